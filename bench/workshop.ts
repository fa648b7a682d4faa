/**
 * How long the workshop's loop takes a learner: every run the lessons ask for (`npm run
 * exercise ID ARGS`), and each check (`npm run check ID`) once the exercise is solved, each
 * timed as a command of its own, in a copy of the repository. The targets: a run in 15 s at most
 * and a check in 5 s at most on a quiet machine; the rows over them are marked.
 *
 * Each row gives the command's time on the clock and the CPU time it and its child processes
 * used: on a busy machine the clock stretches while a command waits for a core, its CPU time
 * much less, so the CPU time says what a quiet machine would take of a command that does not
 * wait on timers (a server under load, a sleep). The load average is printed after each row.
 *
 *   npm run bench -- workshop [--quick]   (--quick: the first exercise and the first debugme)
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { loadExercises, type Exercise } from '../src/workshop/metadata.ts';
import { repoRoot } from '../test/helpers/run.ts';
import { SOLVER, applySolution, workshopArgv, workshopCopy } from '../test/helpers/workshop.ts';
import { printTable } from './table.ts';

const RUN_TARGET_S = 15;
const CHECK_TARGET_S = 5;

interface Timed {
  seconds: number;
  cpuSeconds: number;
  ok: boolean;
  stdout: string;
}

/**
 * Runs the command through sh, whose `times` then prints the CPU time of the children it waited
 * for (with theirs, when they waited for their own), and the command's time on the clock.
 */
function timed(argv: readonly string[], cwd: string): Timed {
  const started = performance.now();
  const result = spawnSync('sh', ['-c', '"$@"; status=$?; times >&3; exit $status', 'sh', ...argv], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const seconds = (performance.now() - started) / 1000;
  // POSIX `times`: the shell's user and system time, then its children's, as "0m1.230s 0m0.040s".
  const children = (
    String(result.output[3] ?? '')
      .trim()
      .split('\n')[1] ?? ''
  ).split(' ');
  const cpuSeconds = children.reduce((sum, field) => {
    const [, minutes = '0', secs = '0'] = /^(\d+)m([\d.]+)s$/.exec(field) ?? [];
    return sum + Number(minutes) * 60 + Number(secs);
  }, 0);
  return { seconds, cpuSeconds, ok: result.status === 0, stdout: result.stdout ?? '' };
}

const load = () => loadavg()[0]!.toFixed(1);
const time = ({ seconds }: Timed, target?: number) => `${seconds.toFixed(1)} s${target !== undefined && seconds > target ? ' !' : '  '}`;
const cpu = ({ cpuSeconds }: Timed, target?: number) => `${cpuSeconds.toFixed(1)} s${target !== undefined && cpuSeconds > target ? ' !' : '  '}`;

/** Times every exercise given in a fresh copy of the repository; prints each row as it is timed, then the table. */
export function benchExercises(exercises: readonly Exercise[]): void {
  console.log(
    `workshop: each run of a lesson and each check of a solved exercise, timed (targets: run ${RUN_TARGET_S} s, check ${CHECK_TARGET_S} s on a quiet machine; ! marks a time over)`,
  );
  const copy = workshopCopy();
  const rows: string[][] = [];
  // Each row as soon as it is timed (a full run takes minutes), then the table.
  const row = (cells: string[]) => {
    rows.push(cells);
    console.log(`  ${cells.join('  ')}`);
  };
  try {
    for (const exercise of exercises) {
      for (const args of exercise.runs) {
        const run = timed(workshopArgv(copy, 'exercise', [exercise.id, ...args]), copy);
        row([`npm run exercise ${[exercise.id, ...args].join(' ')}`, time(run, RUN_TARGET_S), cpu(run, RUN_TARGET_S), load(), run.ok ? '' : 'failed']);
      }
      // Solved first (solve.ts may run a step of its own), so that the check runs to its end.
      // solve.ts is timed too, unmarked: where it runs the fixed code (`npm run exercise 10-diff
      // after`), most of its time is that run, one the lesson asks for.
      const started = performance.now();
      try {
        applySolution(copy, exercise.id, exercise.folder);
      } catch (error) {
        row([`solutions/${exercise.id}`, '', '', load(), `failed: ${(error as Error).message.split('\n')[0]}`]);
        continue;
      }
      const solveSeconds = (performance.now() - started) / 1000;
      if (solveSeconds > 1) row([`(solutions/${exercise.id}/${SOLVER})`, `${solveSeconds.toFixed(1)} s  `, '', load(), '']);
      const check = timed(workshopArgv(copy, 'check', [exercise.id]), copy);
      const reason = /^Not done yet: (.*)$/m.exec(check.stdout)?.[1];
      row([
        `npm run check ${exercise.id}`,
        time(check, CHECK_TARGET_S),
        cpu(check, CHECK_TARGET_S),
        load(),
        check.ok ? 'done' : `not done${reason ? `: ${reason}` : ''}`,
      ]);
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  console.log('');
  printTable(['command', 'time', 'CPU', 'load', 'verdict'], rows);
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const all = loadExercises(repoRoot);
  benchExercises(quick ? [all.find((exercise) => exercise.kind === 'exercise')!, all.find((exercise) => exercise.kind === 'debugme')!] : all);
}

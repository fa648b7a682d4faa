/**
 * How long the workshop's loop takes a learner: every run the lessons ask for (`npm run
 * exercise ID ARGS`), and each check (`npm run check ID`) once the exercise is solved, each
 * timed as a command of its own, in a copy of the repository. The targets: a run in 15 s at most
 * and a check in 5 s at most on a quiet machine; the rows over them are marked.
 *
 *   npm run bench -- workshop [--quick]   (--quick: the first exercise and the first debugme)
 */
import { rmSync } from 'node:fs';
import { loadExercises } from '../src/workshop/metadata.ts';
import { repoRoot } from '../test/helpers/run.ts';
import { applySolution, workshopCommand, workshopCopy } from '../test/helpers/workshop.ts';
import { printTable } from './table.ts';

const RUN_TARGET_S = 15;
const CHECK_TARGET_S = 5;

/** The command's wall time in seconds, and whether it did what it should. */
function timed(run: () => { status: number | null }): { seconds: number; ok: boolean } {
  const started = performance.now();
  const { status } = run();
  return { seconds: (performance.now() - started) / 1000, ok: status === 0 };
}

export async function run({ quick }: { quick: boolean }): Promise<void> {
  const all = loadExercises(repoRoot);
  const exercises = quick ? [all.find((exercise) => exercise.kind === 'exercise')!, all.find((exercise) => exercise.kind === 'debugme')!] : all;
  console.log(`workshop: each run of a lesson and each check of a solved exercise, timed (targets: run ${RUN_TARGET_S} s, check ${CHECK_TARGET_S} s on a quiet machine; ! marks a row over)`);
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
        const { seconds, ok } = timed(() => workshopCommand(copy, 'exercise', [exercise.id, ...args]));
        row([`npm run exercise ${[exercise.id, ...args].join(' ')}`, `${seconds.toFixed(1)} s${seconds > RUN_TARGET_S ? ' !' : '  '}`, ok ? '' : 'failed']);
      }
      // Solved first (solve.ts may run a step of its own), so that the check runs to its end.
      try {
        applySolution(copy, exercise.id, exercise.folder);
      } catch (error) {
        row([`solutions/${exercise.id}`, '', `failed: ${(error as Error).message.split('\n')[0]}`]);
        continue;
      }
      const { seconds, ok } = timed(() => workshopCommand(copy, 'check', [exercise.id]));
      row([`npm run check ${exercise.id}`, `${seconds.toFixed(1)} s${seconds > CHECK_TARGET_S ? ' !' : '  '}`, ok ? 'done' : 'not done']);
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  console.log('');
  printTable(['command', 'time', 'verdict'], rows);
}

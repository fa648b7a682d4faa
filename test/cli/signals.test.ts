/**
 * The signal matrix: npm run profile, npm run exercise and npm run pprof -- -http, started
 * through npm as a person does, stopped by SIGINT, SIGTERM or SIGHUP sent to the whole process
 * group (a terminal's Ctrl-C, a closed terminal), to npm, to the command npm runs, or to the
 * program it runs. Each must end completely (no process of the group left), free its port,
 * write its profile whole, and end as the program did, which npm passes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeProfile } from '../../src/pprof/index.ts';
import { cpuShapedBuilder, flatByFunction, readProfile } from '../helpers/profile.ts';
import { fixture, repoRoot } from '../helpers/run.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Signal = (typeof SIGNALS)[number];
type Target = 'group' | 'npm' | 'command' | 'program';
const TARGETS: Target[] = ['group', 'npm', 'command', 'program'];

/** Polls until `done` holds; the time allowed is generous, the machine may be loaded. */
async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  cmdline: string;
}

/** The CPU time a process has used, user and system, in clock ticks (USER_HZ, 100 a second on Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Every process on the machine, from /proc. */
function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields follow its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (fields[0] === 'Z') continue;
      found.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

interface Run {
  npm: ChildProcess;
  output: () => string;
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The pids to signal for each target but the group. */
  pids: Record<Exclude<Target, 'group'>, number>;
  /** In the environment of every process of the run, and of nothing else. */
  mark: string;
}

/** Starts `npm run SCRIPT -- ARGS` in a process group of its own; resolves once `ready` shows. */
async function startUnderNpm(script: string, args: string[], ready: RegExp, programMark: string): Promise<Run> {
  const mark = `SIGNALS_TEST_RUN=${randomUUID()}`;
  const npm = spawn('npm', ['run', '--silent', script, '--', ...args], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SIGNALS_TEST_RUN: mark.slice(mark.indexOf('=') + 1) },
  });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    await until(`${script} to be ready (${ready})`, () => ready.test(output) || npm.exitCode !== null);
    if (npm.exitCode !== null) throw new Error(`npm ended early: ${output}`);
    const all = processes();
    const command = all.find((info) => info.ppid === npm.pid);
    const program = all.find((info) => info.ppid === command?.pid && info.cmdline.includes(programMark)) ?? command;
    if (!command || !program) throw new Error(`cannot find npm's processes: ${JSON.stringify(all.filter((info) => info.pgid === npm.pid))}`);
    return { npm, output: () => output, ended, pids: { npm: npm.pid!, command: command.pid, program: program.pid }, mark };
  } catch (error) {
    process.kill(-npm.pid!, 'SIGKILL');
    throw error;
  }
}

/** Stops the run as `target` receives `signal`; resolves with how npm ended once no process of the group is left. */
async function stop(run: Run, target: Target, signal: Signal): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const group = run.npm.pid!;
  process.kill(target === 'group' ? -group : run.pids[target], signal);
  try {
    const ended = await run.ended;
    await until('every process of the group to end', () => !processes().some((info) => info.pgid === group));
    return ended;
  } catch (error) {
    const left = processes().filter((info) => info.pgid === group);
    process.kill(-group, 'SIGKILL');
    throw new Error(
      `${(error as Error).message}; left running: ${left.map((info) => `${info.pid} ${info.cmdline.slice(0, 120)}`).join('; ')}\n${run.output()}`,
    );
  }
}

/** How npm ends: SIGHUP reaching npm ends it at once; else as the program ended, which it passes on. */
const npmEnd = (target: Target, signal: Signal, program: { code: number | null; signal: NodeJS.Signals | null }) =>
  signal === 'SIGHUP' && (target === 'group' || target === 'npm') ? { code: null, signal } : program;

const matrix = TARGETS.flatMap((target) => SIGNALS.map((signal) => [target, signal] as const));
const scratch = () => mkdtempSync(join(tmpdir(), 'signals-'));

describe.runIf(process.platform === 'linux').concurrent('stopping what npm runs, by any signal to any of its processes', { timeout: 180_000 }, () => {
  it.each(matrix)('npm run profile: %s gets %s; the profile is written whole and nothing is left', async (target, signal) => {
    const output = join(scratch(), 'cpu.pb.gz');
    const run = await startUnderNpm('profile', ['--cpu', '-o', output, fixture('exits.ts'), 'wait'], /^waiting$/m, 'exits.ts');
    const ended = await stop(run, target, signal);
    expect(ended).toEqual(npmEnd(target, signal, { code: null, signal }));
    await until('the summary', () => run.output().includes('profile: wrote CPU profile'));
    // Whole, and the program's: its work is in it (how much depends on how loaded the machine is).
    expect(flatByFunction(readProfile(output), 1).find(([name]) => name === 'burn')?.[1]).toBeGreaterThan(0);
    expect(readdirSync(join(output, '..'))).toEqual(['cpu.pb.gz']);
  });

  it.each(matrix)('npm run profile of a program spinning in synchronous code: %s gets %s; it ends, with its profile', async (target, signal) => {
    const output = join(scratch(), 'cpu.pb.gz');
    // Once it says so, it spins: its event loop never turns again, so only the signal worker can stop it.
    const run = await startUnderNpm('profile', ['--cpu', '-o', output, fixture('spin.ts')], /^spinning$/m, 'spin.ts');
    // Its saying so is not its having spun: on a loaded machine the signal could come before the
    // loop had any CPU, and a profile of no spinning is right. Signal it once it has had 0.3 s of CPU.
    const startTicks = cpuTicks(run.pids.program);
    await until('the program to spin for 0.3 s of CPU', () => cpuTicks(run.pids.program) - startTicks >= 30);
    const ended = await stop(run, target, signal);
    expect(ended).toEqual(npmEnd(target, signal, { code: null, signal }));
    await until('the summary', () => run.output().includes('profile: wrote CPU profile'));
    const spun = flatByFunction(readProfile(output), 1).find(([name]) => name === 'spinForever');
    expect(spun?.[1]).toBeGreaterThan(0);
  });

  it.each(matrix)('npm run exercise: %s gets %s; the server ends and frees its port', async (target, signal) => {
    const run = await startUnderNpm('exercise', ['02-basic-http', '0'], /Serving on http:\/\/localhost:(\d+)\//, 'main.ts');
    const port = Number(/Serving on http:\/\/localhost:(\d+)\//.exec(run.output())![1]);
    const ended = await stop(run, target, signal);
    // The exercise ends on Ctrl-C with code 0, saying "stopped"; by the others' default, killed.
    expect(ended).toEqual(npmEnd(target, signal, signal === 'SIGINT' ? { code: 0, signal: null } : { code: null, signal }));
    expect(listeningOf(run, port)).toEqual([]);
  });

  let profilePath: string;
  beforeAll(() => {
    const builder = cpuShapedBuilder({ timeNanos: 1_763_700_000_000_000_000 });
    builder.addSample([{ name: 'work', file: '/app/work.ts', line: 3, functionLine: 1 }], [1, 10_000_000]);
    profilePath = join(scratch(), 'cpu.pb.gz');
    writeProfile(profilePath, builder.build());
  });

  it.each(matrix)('npm run pprof -- -http: %s gets %s; the web UI ends and frees its port', async (target, signal) => {
    const run = await startUnderNpm('pprof', ['-http=127.0.0.1:0', '-no_browser', profilePath], /Serving web UI on http:\/\/127\.0\.0\.1:(\d+)\//, 'pprof');
    const port = Number(/Serving web UI on http:\/\/127\.0\.0\.1:(\d+)\//.exec(run.output())![1]);
    const ended = await stop(run, target, signal);
    expect(ended).toEqual(npmEnd(target, signal, { code: null, signal }));
    expect(listeningOf(run, port)).toEqual([]);
  });
});

/** Whether nothing listens on the loopback port any more. */
/**
 * The processes of this run that still listen on `port`: none, once it freed it. Read from
 * /proc, not by connecting: a port freed is soon another's (the concurrent tests' servers bind
 * port 0 too), and a process is the run's only if its environment holds the run's mark.
 */
function listeningOf(run: Run, port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local address as HEX:HEXPORT, state 0A is LISTEN, the socket's inode tenth.
      if (fields[3] === '0A' && parseInt(fields[1]!.split(':').pop()!, 16) === port) inodes.add(fields[9]!);
    }
  }
  if (inodes.size === 0) return [];
  const holders: number[] = [];
  for (const { pid } of processes()) {
    try {
      const sockets = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (!sockets.some((target) => inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? ''))) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(run.mark)) holders.push(pid);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return holders;
}

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { flatByFunction, readProfile, sampleTypeNames, stacks } from '../helpers/profile.ts';
import { fixture, repoRoot, runProfileCommand } from '../helpers/run.ts';

const scratch = () => mkdtempSync(join(tmpdir(), 'profile-cli-'));

describe('npm run profile', () => {
  it.each([
    ['process.exit', 'exit', 3],
    ['an uncaught error', 'throw', 1],
  ])('writes a readable CPU profile when the program ends through %s, and keeps its exit code', (_, how, code) => {
    const output = join(scratch(), 'cpu.pb.gz');
    const run = runProfileCommand(['--cpu', '-o', output, fixture('exits.ts'), how]);
    expect(run.status).toBe(code);
    expect(run.stderr).toContain(`wrote CPU profile to ${output}`);
    expect(run.stderr).not.toContain('debugger');
    expect(run.stderr).toContain(`next:    npm run pprof -- -top ${output}`);
    const profile = readProfile(output);
    expect(sampleTypeNames(profile)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(flatByFunction(profile, 1)[0]![0]).toBe('burn');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('writes the profile when the program is stopped with %s', async (signal) => {
    const output = join(scratch(), 'cpu.pb.gz');
    const cli = fileURLToPath(new URL('../../src/cli/profile.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), cli, '-o', output, fixture('exits.ts'), 'wait'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    // Once the program runs: a signal before the profiler starts leaves nothing to write.
    await new Promise((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('waiting') && resolve(undefined)));
    // Then a while of its work, which the profile's top must show.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // A terminal's Ctrl-C reaches the whole process group; SIGTERM is sent to the CLI alone.
    if (signal === 'SIGINT') process.kill(-child.pid!, signal);
    else child.kill(signal);
    const ended = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, endedBy) => resolve(endedBy)));
    // It ends by the signal, as the program did, so a shell knows it was stopped.
    expect(ended).toBe(signal);
    expect(stderr).toContain('wrote CPU profile');
    expect(flatByFunction(readProfile(output), 1)[0]![0]).toBe('burn');
  });

  it('leaves a signal the program handles itself to the program, and writes the profile when it exits', async () => {
    const output = join(scratch(), 'cpu.pb.gz');
    const cli = fileURLToPath(new URL('../../src/cli/profile.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), cli, '-o', output, fixture('own-handler.ts')], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    await new Promise((resolve) => child.stdout.on('data', (chunk: Buffer) => (stdout += chunk).includes('waiting') && resolve(undefined)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(-child.pid!, 'SIGINT');
    expect(await ended).toEqual([0, null]);
    expect(stdout).toContain('shutting down');
    expect(stderr).toContain('wrote CPU profile');
    // Nothing of ours on the program's stderr but the summary, such as a session to the
    // inspector left open, though the SIGINT came twice (the terminal's, and the one passed on).
    expect(stderr).not.toContain('debugger');
    expect(stderr.split('\n').filter((line) => line.startsWith('profile:'))).toEqual([expect.stringMatching(/^profile: wrote CPU profile/)]);
    expect(flatByFunction(readProfile(output), 1).find(([name]) => name === 'work')?.[1]).toBeGreaterThan(0);
  });

  it('puts the churn on top of alloc_space and the retention on top of inuse_space', () => {
    const dir = scratch();
    const allocs = runProfileCommand(['--allocs', '-o', join(dir, 'allocs.pb.gz'), fixture('churn-retain.ts')]);
    const heap = runProfileCommand(['--heap', '-o', join(dir, 'heap.pb.gz'), fixture('churn-retain.ts')]);
    expect([allocs.status, heap.status]).toEqual([0, 0]);
    const allocProfile = readProfile(join(dir, 'allocs.pb.gz'));
    const heapProfile = readProfile(join(dir, 'heap.pb.gz'));
    expect(sampleTypeNames(allocProfile)).toEqual(['alloc_space/bytes', 'alloc_objects/count']);
    expect(sampleTypeNames(heapProfile)).toEqual(['inuse_space/bytes', 'inuse_objects/count']);
    expect(flatByFunction(allocProfile, 0)[0]![0]).toBe('churn');
    const inuse = flatByFunction(heapProfile, 0);
    expect(inuse[0]![0]).toBe('retain');
    // churn keeps nothing: after the exit GC at most a sample or two of it may linger.
    const churnInuse = inuse.find(([name]) => name === 'churn')?.[1] ?? 0;
    expect(churnInuse).toBeLessThan(inuse[0]![1] / 10);
  });

  it('writes a wall-clock profile of a whole program: its waits, each under the function that awaits', () => {
    const output = join(scratch(), 'wall.pb.gz');
    const run = runProfileCommand(['--wall', '-o', output, fixture('wall/canonical-loop.ts'), 'none', '1']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`wrote wall-clock profile to ${output} \\(\\d+\\.\\d s running, \\d+\\.\\d s waiting, in \\d+\\.\\d s\\)`));
    const profile = readProfile(output);
    expect(sampleTypeNames(profile)).toEqual(['samples/count', 'wall/nanoseconds']);
    const leaves = flatByFunction(profile, 1).map(([name]) => name);
    expect(leaves[0]).toBe('(wait)');
    expect(stacks(profile).some(({ frames }) => /^\(wait\) setTimeout 10ms /.test(frames[0]!) && frames[1]!.startsWith('weirdFunction '))).toBe(true);
  });

  it('writes folded stacks, root first, for flame graph tools', () => {
    const output = join(scratch(), 'wall.folded');
    const run = runProfileCommand(['--wall', '--folded', '-o', output, fixture('wall/canonical-loop.ts'), 'none', '1']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`wrote wall-clock profile as folded stacks to ${output} \\(\\d+ stacks\\)`));
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^[^;]+(;[^;]+)* \d+$/);
    // Sorted by stack: the stack is all but the last field (a frame's name may hold spaces).
    const stacks = lines.map((line) => line.slice(0, line.lastIndexOf(' ')));
    expect(stacks).toEqual([...stacks].sort());
    expect(lines.some((line) => /;weirdFunction;.*\(wait\) setTimeout 10ms \d+$/.test(line))).toBe(true);
  });

  it.each([
    [['--cpu'], 'no script given'],
    [['--cpu', 'no-such-script.ts'], 'script not found: no-such-script.ts'],
    [['--bogus', 'x.ts'], "Unknown option '--bogus'"],
    [['--cpu', '--heap', fixture('exits.ts')], 'choose one kind of profile, not --cpu and --heap'],
    [['--hz', 'fast', fixture('exits.ts')], '--hz must be a whole number from 1 to 10000, got fast'],
    [['--heap', '--hz', '99', fixture('exits.ts')], '--hz applies to --cpu and --wall only'],
    [['--wall', '--interval', '1024', fixture('exits.ts')], '--interval applies to --heap and --allocs only'],
    [['--wall', '--cpu', fixture('exits.ts')], 'choose one kind of profile, not --cpu and --wall'],
    [['-o', '/no/such/dir/cpu.pb.gz', fixture('exits.ts')], 'cannot write /no/such/dir/cpu.pb.gz: directory /no/such/dir does not exist'],
    [['-o', tmpdir(), fixture('exits.ts')], `output ${tmpdir()} is a directory`],
  ])('refuses %j before running anything: %s', (args, message) => {
    const dir = scratch();
    const run = runProfileCommand(args.map((a) => (a === 'x.ts' ? join(dir, a) : a)));
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`profile: ${message}`);
    expect(run.stderr).toContain('usage: npm run profile');
    expect(existsSync(join(repoRoot, 'cpu.pb.gz'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

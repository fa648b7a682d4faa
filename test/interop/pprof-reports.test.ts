import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runPprofCommand } from '../helpers/run.ts';
import { recordProfiles } from '../helpers/recorded.ts';
import { goBinary } from '../helpers/tools.ts';
import { ProfileBuilder, emptyProfile, encodeProfile, type Location, type Mapping, type Profile } from '../../src/pprof/index.ts';

const go = goBinary();

/**
 * Our reports against the real go tool pprof on the same files, whole text: profiles from our
 * profilers and from a Go program (mappings, addresses, inlined frames), alone and merged. Both
 * run here, in one time zone, so even the Time line must match.
 */
describe.skipIf(!go)('npm run pprof prints what go tool pprof prints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-top-'));
  const file = (name: string) => join(dir, name);

  // Six recordings one after another (five programs given a minute each, and go run): with CPU hogs
  // on both cores (Node 26, load average 30) the file's setup failed and its tests were skipped.
  // The timeout bounds a hang, not how fast the recordings run.
  beforeAll(() => {
    recordProfiles(dir, ['cpu', 'heap', 'allocs', 'wall', 'wall-again', 'go'], go);
    // Names go tool pprof simplifies as demangled C++ (V8's <static_initializer>), and names it keeps.
    const named = new ProfileBuilder({
      sampleTypes: [
        { type: 'samples', unit: 'count' },
        { type: 'cpu', unit: 'nanoseconds' },
      ],
      mappingFile: '/app/canonical-loop.ts',
    });
    const names = [
      '<static_initializer>',
      'Foo::bar(int)',
      'std::vector<int>::push_back(int const&)',
      'main.(*List[...]).Push',
      'java.lang.Object.<init>',
      'a[b]',
      'f<(a)>',
      'x)(y<',
      '(anonymous)',
    ];
    for (const [i, name] of names.entries())
      named.addSample(
        [
          { name, file: '/app/x.ts', line: i + 1 },
          { name: 'main', file: '/app/x.ts', line: 40 },
        ],
        [i + 1, (i + 1) * 1_000_000],
      );
    writeFileSync(file('names.pb.gz'), encodeProfile(named.build()));
    writeFileSync(file('high-addresses.pb.gz'), encodeProfile(highAddresses()));
    const copied = runPprofCommand(['-proto', `-output=${file('high-addresses-ours.pb.gz')}`, file('high-addresses.pb.gz')]);
    if (copied.status !== 0) throw new Error(`writing -proto failed: ${copied.stderr}`);
    // Diff profiles hold negative values: one written by us, one by go tool pprof.
    const diff = runPprofCommand(['-proto', `-diff_base=${file('wall.pb.gz')}`, `-output=${file('diff-ours.pb.gz')}`, file('wall-again.pb.gz')]);
    if (diff.status !== 0) throw new Error(`writing a diff profile failed: ${diff.stderr}`);
    execFileSync(go!, ['tool', 'pprof', '-proto', `-diff_base=${file('wall-again.pb.gz')}`, `-output=${file('diff-go.pb.gz')}`, file('wall.pb.gz')], {
      stdio: 'pipe',
    });
  }, 600_000);

  it.each([
    // Addresses past 2^53, which a double would round: read, and written by -proto, to the bit.
    ['-raw', 'high-addresses.pb.gz'],
    ['-raw', 'high-addresses-ours.pb.gz'],
    ['-top', 'high-addresses.pb.gz'],
    ['-top', 'names.pb.gz'],
    ['-raw -sample_index=samples', 'names.pb.gz'],
    ['-top', 'diff-ours.pb.gz'],
    ['-raw', 'diff-ours.pb.gz'],
    ['-top -cum', 'diff-go.pb.gz'],
    ['-traces', 'diff-go.pb.gz'],
    ['-top', 'cpu.pb.gz'],
    ['-top -sample_index=samples', 'cpu.pb.gz'],
    ['-top', 'heap.pb.gz'],
    ['-top -sample_index=inuse_objects', 'heap.pb.gz'],
    ['-top -cum', 'allocs.pb.gz'],
    ['-top -sample_index=1 -nodecount=2', 'allocs.pb.gz'],
    ['-top', 'wall.pb.gz'],
    ['-top -nodecount=5 -cum', 'wall.pb.gz'],
    ['-top', 'go-cpu.pb.gz'],
    ['-top -cum -nodecount=10', 'go-cpu.pb.gz'],
    ['-top -sample_index=alloc_space', 'go-heap.pb.gz'],
    ['-top', 'cpu.pb.gz go-cpu.pb.gz'],
    ['-traces', 'cpu.pb.gz'],
    ['-traces', 'heap.pb.gz'],
    ['-traces', 'wall.pb.gz'],
    ['-traces', 'go-cpu.pb.gz'],
    ['-traces -sample_index=alloc_space', 'go-heap.pb.gz'],
    ['-traces', 'allocs.pb.gz allocs.pb.gz'],
    ['-top -focus=cpuIntensiveTask', 'wall.pb.gz'],
    ['-top -ignore=wait -hide=digest|update', 'wall.pb.gz'],
    // Filters that match nothing: a warning on stderr, and the report of what is left.
    ['-top -focus=nothingLikeThis', 'wall.pb.gz'],
    ['-top -hide=nothingLikeThis -tagignore=state=nothing', 'wall.pb.gz'],
    ['-top -show=Intensive|slowNetwork', 'wall.pb.gz'],
    ['-top -tagfocus=state=waiting', 'wall.pb.gz'],
    ['-top -tagignore=state=running -cum', 'wall.pb.gz'],
    ['-traces -tagfocus=wait=timer', 'wall.pb.gz'],
    ['-top -tagfocus=bytes=:1kb', 'heap.pb.gz'],
    ['-top -focus=main -hide=runtime -cum', 'go-cpu.pb.gz'],
    ['-traces -focus=step', 'go-cpu.pb.gz'],
    ['-list=cpuIntensiveTask', 'wall.pb.gz'],
    ['-list=.', 'wall.pb.gz'],
    ['-list=spin', 'cpu.pb.gz'],
    ['-list=retain -sample_index=inuse_objects', 'heap.pb.gz'],
    ['-list=main\\.', 'go-cpu.pb.gz'],
    ['-peek=cpuIntensiveTask|weirdFunction', 'wall.pb.gz'],
    ['-peek=sha256 -cum', 'go-cpu.pb.gz'],
    ['-tree', 'wall.pb.gz'],
    ['-tree -nodecount=5 -tagfocus=state=running', 'wall.pb.gz'],
    ['-tree', 'go-cpu.pb.gz'],
    ['-tree -cum', 'allocs.pb.gz'],
    ['-raw', 'wall.pb.gz'],
    ['-raw -tagfocus=state=waiting', 'wall.pb.gz'],
    ['-raw', 'go-cpu.pb.gz'],
    ['-raw', 'go-heap.pb.gz'],
    ['-raw', 'cpu.pb.gz go-cpu.pb.gz'],
    ['-top -base=DIR/wall-again.pb.gz', 'wall.pb.gz'],
    ['-top -cum -diff_base=DIR/wall-again.pb.gz', 'wall.pb.gz'],
    ['-traces -diff_base=DIR/wall.pb.gz', 'wall-again.pb.gz'],
    ['-peek=cpuIntensiveTask -base=DIR/wall-again.pb.gz', 'wall.pb.gz'],
  ])('%s %s', (options, names) => {
    const args = [...options.replaceAll('DIR/', `${dir}/`).split(' '), ...names.split(' ').map(file)];
    // Both look for -list's source files from the same directory.
    const theirs = execFileSync(go!, ['tool', 'pprof', ...args], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const ours = runPprofCommand(args);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs);
  });
});

/** A profile of a binary mapped high in a 64-bit address space, functions known by address only for one frame. */
function highAddresses(): Profile {
  const mapping: Mapping = {
    id: 1,
    memoryStart: 0xffff_ffff_ff60_0000n,
    memoryLimit: 0xffff_ffff_ff60_1000n,
    fileOffset: 0n,
    filename: '[vsyscall]',
    buildId: '',
    hasFunctions: true,
    hasFilenames: false,
    hasLineNumbers: false,
    hasInlineFrames: false,
  };
  const work = { id: 1, name: 'work', systemName: 'work', filename: 'work.c', startLine: 3 };
  const at = (id: number, address: bigint, named: boolean): Location => ({
    id,
    mapping,
    address,
    lines: named ? [{ function: work, line: 7, column: 0 }] : [],
    isFolded: false,
  });
  const [named, bare] = [at(1, 0xffff_ffff_ff60_0401n, true), at(2, 0xffff_ffff_ff60_0ffdn, false)];
  return {
    ...emptyProfile([{ type: 'samples', unit: 'count' }]),
    samples: [
      { locations: [named, bare], values: [5], labels: [] },
      { locations: [bare], values: [2], labels: [] },
    ],
    mappings: [mapping],
    locations: [named, bare],
    functions: [work],
  };
}

describe.skipIf(!go)("npm run pprof without a report: the (pprof) prompt answers as go tool pprof's does", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-prompt-'));
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    recordProfiles(dir, ['wall', 'go'], go);
  }, 300_000);

  it.each([
    [
      'wall.pb.gz',
      ['top3', 'sample_index=samples', 'top2 -cum', 'peek weirdFunction', 'sample_index=', 'focus=Intensive', 'top', 'tree3', 'list cpuIntensiveTask', 'quit'],
    ],
    ['go-cpu.pb.gz', ['top', 'top5 -cum', 'peek sha256', 'focus=main', 'tree4', 'traces', 'exit']],
  ])('%s: %j', (name, commands) => {
    const input = `${commands.join('\n')}\n`;
    const theirs = spawnSync(go!, ['tool', 'pprof', file(name)], { cwd: repoRoot, input, encoding: 'utf8' });
    const ours = runPprofCommand([file(name)], {}, input);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
    // The profile's header, on stderr as Go prints it.
    expect(ours.stderr.split('\n').slice(0, 5)).toEqual(theirs.stderr.split('\n').slice(0, 5));
  });
});

describe.skipIf(!go)('npm run pprof URL reads a /debug/pprof endpoint as go tool pprof URL does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-url-'));
  let server: ChildProcess;
  let base: string;

  beforeAll(async () => {
    recordProfiles(dir, ['wall']);
    // In its own process: both readers are run synchronously from this one.
    const serve = `require('node:http').createServer((q, r) => r.end(require('node:fs').readFileSync(${JSON.stringify(join(dir, 'wall.pb.gz'))}))).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
    server = spawn(process.execPath, ['-e', serve], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve) => server.stdout!.once('data', (data: Buffer) => resolve(data.toString().trim())));
    base = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(() => server?.kill());

  it('prints the same -top, and saves a copy', () => {
    const env = { ...process.env, PPROF_TMPDIR: join(dir, 'saved') };
    const theirs = execFileSync(go!, ['tool', 'pprof', '-top', `${base}/debug/pprof/wall`], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ours = runPprofCommand(['-top', `${base}/debug/pprof/wall`], { PPROF_TMPDIR: join(dir, 'saved') });
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs);
    expect(ours.stderr).toMatch(/^Saved profile in .*saved\/pprof\.canonical-loop\.ts\.samples\.wall\.\d{3}\.pb\.gz$/m);
  });
});

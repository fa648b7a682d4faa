import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runPprofCommand } from '../helpers/run.ts';
import { recordProfiles } from '../helpers/recorded.ts';
import { goBinary } from '../helpers/tools.ts';
import { ProfileBuilder, encodeProfile } from '../../src/pprof/index.ts';
import { REPORTS, SETTING_NAMES } from '../../src/report/driver.ts';

const go = goBinary();
/** The repository, and the directory it is in, for -source_path and -trim_path: ROOT and UP in the cases. */
const root = repoRoot.replace(/\/$/, '');
const withPaths = (text: string) => text.replaceAll('ROOT', root).replaceAll('UP', dirname(root));

/**
 * The options people use daily (-nodefraction, -lines, -tags, -unit, ...) against go tool pprof
 * on the same files, whole text, on the command line and at the (pprof) prompt: profiles from
 * our profilers and from a Go program (addresses, files, lines, inlined frames).
 */
describe.skipIf(!go)('npm run pprof options print what go tool pprof prints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-options-'));
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    recordProfiles(dir, ['heap', 'wall', 'go'], go);
  }, 120_000);

  it.each([
    ['-top -nodefraction=0.1', 'wall.pb.gz'],
    ['-top -nodefraction=0 -cum', 'heap.pb.gz'],
    ['-tree -nodefraction=0 -edgefraction=0.05', 'go-cpu.pb.gz'],
    ['-tree -nodefraction=0.1 -edgefraction=0.2 -nodecount=3', 'go-cpu.pb.gz'],
    ['-tree -edgefraction=0.1', 'wall.pb.gz'],
    // -peek and -traces are never trimmed.
    ['-peek=. -nodefraction=0.3 -edgefraction=0.3', 'wall.pb.gz'],
    ['-traces -nodefraction=0.5', 'go-cpu.pb.gz'],
    // Granularity: what a node, or a frame, stands for.
    ['-top -functions', 'go-cpu.pb.gz'],
    ['-top -lines', 'go-cpu.pb.gz'],
    ['-top -lines -cum', 'wall.pb.gz'],
    ['-top -files', 'go-cpu.pb.gz'],
    ['-top -filefunctions', 'wall.pb.gz'],
    ['-top -addresses', 'go-cpu.pb.gz'],
    ['-top -addresses', 'heap.pb.gz'],
    ['-tree -lines', 'heap.pb.gz'],
    ['-tree -files', 'go-cpu.pb.gz'],
    ['-tree -addresses -nodecount=6', 'go-cpu.pb.gz'],
    ['-peek=spin -addresses', 'go-cpu.pb.gz'],
    ['-peek=cpuIntensiveTask -lines', 'wall.pb.gz'],
    ['-traces -lines', 'go-cpu.pb.gz'],
    ['-traces -addresses', 'go-cpu.pb.gz'],
    ['-traces -files', 'wall.pb.gz'],
    // -text is -top by another name.
    ['-text', 'wall.pb.gz'],
    ['-text -cum -nodecount=4 -lines', 'go-cpu.pb.gz'],
    // -tags: each label key, its values and their shares.
    ['-tags', 'wall.pb.gz'],
    ['-tags -sample_index=samples', 'wall.pb.gz'],
    ['-tags -tagfocus=state=running', 'wall.pb.gz'],
    ['-tags -focus=Intensive', 'wall.pb.gz'],
    ['-tags', 'heap.pb.gz'],
    ['-tags -sample_index=alloc_space', 'go-heap.pb.gz'],
    ['-tags', 'go-heap.pb.gz'],
    ['-tags', 'go-cpu.pb.gz'],
    // -unit: what values print in.
    ['-top -unit=ms', 'wall.pb.gz'],
    ['-top -unit=s -cum', 'go-cpu.pb.gz'],
    ['-top -unit=auto', 'wall.pb.gz'],
    ['-top -unit=kB', 'heap.pb.gz'],
    ['-top -unit=MB -sample_index=alloc_space', 'go-heap.pb.gz'],
    // A unit of another kind: a count prints with it, time in seconds.
    ['-top -unit=MB', 'go-cpu.pb.gz'],
    ['-top -unit=widgets -sample_index=inuse_objects', 'heap.pb.gz'],
    ['-tree -unit=us', 'go-cpu.pb.gz'],
    ['-peek=cpuIntensiveTask -unit=ns', 'wall.pb.gz'],
    ['-traces -unit=ms', 'go-cpu.pb.gz'],
    ['-tags -unit=kB', 'heap.pb.gz'],
    ['-tags -unit=ms', 'wall.pb.gz'],
    ['-list=cpuIntensiveTask -unit=us', 'wall.pb.gz'],
    // -source_path and -trim_path: where -list finds sources, and file names shortened.
    ['-list=cpuIntensiveTask -trim_path=ROOT -source_path=ROOT', 'wall.pb.gz'],
    ['-list=cpuIntensiveTask -trim_path=UP -source_path=ROOT/test', 'wall.pb.gz'],
    ['-list=cpuIntensiveTask -source_path=ROOT/test/fixtures/wall', 'wall.pb.gz'],
    ['-list=main.spin -source_path=ROOT/test/fixtures/go', 'go-cpu.pb.gz'],
    ['-list=main.mix -trim_path=ROOT/test/fixtures -source_path=ROOT/test:/nowhere', 'go-cpu.pb.gz'],
    ['-list=main.mix -source_path=/nowhere', 'go-cpu.pb.gz'],
    ['-top -files -trim_path=ROOT/test', 'wall.pb.gz'],
    ['-tree -lines -trim_path=/nothing:ROOT/test/', 'wall.pb.gz'],
    ['-top -lines -source_path=/elsewhere/fixtures', 'wall.pb.gz'],
    ['-peek=Intensive -lines -source_path=/elsewhere/fixtures', 'wall.pb.gz'],
    ['-traces -lines -trim_path=UP', 'wall.pb.gz'],
    // -list is by line whatever the granularity.
    ['-list=main.spin -files', 'go-cpu.pb.gz'],
  ])('%s %s', (options, names) => {
    const args = [...withPaths(options).split(' '), ...names.split(' ').map(file)];
    // Both look for -list's source files from the same directory.
    const theirs = execFileSync(go!, ['tool', 'pprof', ...args], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const ours = runPprofCommand(args);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs);
  });

  it.each([
    ['wall.pb.gz', ['nodefraction=0.2', 'top', 'edgefraction=0.1', 'tree', 'nodefraction=0.005', 'edgefraction=0.001', 'top3', 'quit']],
    ['go-cpu.pb.gz', ['nodefraction=0.1', 'top', 'tree', 'peek main', 'exit']],
    ['go-cpu.pb.gz', ['granularity=lines', 'top5', 'files=true', 'tree3', 'addresses=true', 'peek spin', 'traces', 'granularity=functions', 'top3', 'quit']],
    ['wall.pb.gz', ['lines=true', 'top4 -cum', 'filefunctions=true', 'top4', 'quit']],
    ['go-cpu.pb.gz', ['text', 'text3 -cum', 'text main', 'quit']],
    ['heap.pb.gz', ['unit=ms', 'top3', 'traces', 'unit=MB', 'tags', 'unit=minimum', 'top3', 'quit']],
    ['go-cpu.pb.gz', ['source_path=ROOT/test/fixtures/go', 'list main.spin', 'trim_path=ROOT/test', 'lines=true', 'top3', 'list main.mix', 'quit']],
    ['wall.pb.gz', ['tags', 'tags running', 'tags -fetch', 'tags wait=timer', 'sample_index=samples', 'tags', 'quit']],
    // Options on the command line hold at the prompt, the header's unit too.
    ['go-cpu.pb.gz -unit=us -lines -nodefraction=0.1', ['top', 'tree', 'granularity=functions', 'top3', 'quit']],
  ])('at the prompt, %s: %j', (names, commands) => {
    const [name, ...options] = names.split(' ');
    const input = withPaths(`${commands.join('\n')}\n`);
    const args = [...options, file(name!)];
    const theirs = spawnSync(go!, ['tool', 'pprof', ...args], { cwd: repoRoot, input, encoding: 'utf8' });
    const ours = runPprofCommand(args, {}, input);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
    // The profile's header, on stderr as Go prints it.
    const header = (text: string) => text.slice(0, text.indexOf('Entering interactive mode'));
    expect(header(ours.stderr)).toBe(header(theirs.stderr));
  });

  it.each([
    ['-top -nodefraction=abc', /^pprof: -nodefraction must be a number, a share of the total such as 0\.005, got abc\n/],
    ['-top -text', /^pprof: only one report at a time: -top and -text were both given\n/],
    ['-top -lines -files', /^pprof: -lines and -files each set the granularity: give one of them\n/],
    ['-top -lines=maybe', /^pprof: -lines is on or off \(true or false\), got maybe\n/],
    ['-top -granularity=statements', /^pprof: -granularity must be one of functions, filefunctions, files, lines, addresses, got statements\n/],
    ['-tree -edgefraction=1/2', /^pprof: -edgefraction must be a number, a share of the total such as 0\.005, got 1\/2\n/],
  ])('%s is refused, saying why', (options, message) => {
    const ours = runPprofCommand([...options.split(' '), file('wall.pb.gz')]);
    expect(ours.status).toBe(2);
    expect(ours.stdout).toBe('');
    expect(ours.stderr).toMatch(message);
  });

  it('takes a granularity alone at the prompt, and says what a bad one is', () => {
    const ours = runPprofCommand([file('go-cpu.pb.gz')], {}, 'lines\ntop2\ngranularity=bytes\no\nfunctions\ntop2\nquit\n');
    expect(ours.status, ours.stderr).toBe(0);
    const [, , byLine, , settings, , byFunction] = ours.stdout.split('(pprof) ');
    const rows = (report: string | undefined) => report!.trimEnd().split('\n').slice(3);
    // Two rows each: by line they name a file and line, by function only the function.
    expect(rows(byLine)).toHaveLength(2);
    for (const row of rows(byLine)) expect(row).toMatch(/% {2}\S+ \S+\.(go|s):\d+$/);
    expect(rows(byFunction)).toHaveLength(2);
    for (const row of rows(byFunction)) expect(row).toMatch(/% {2}[^ ]+$/);
    expect(ours.stderr).toContain('granularity must be one of functions, filefunctions, files, lines, addresses, got bytes\n');
    expect(settings).toMatch(/ {2}granularity += lines\n/);
  });

  it('a bad value at the prompt is said, and the prompt goes on', () => {
    const ours = runPprofCommand([file('wall.pb.gz')], {}, 'nodefraction=x\nedgefraction=1e-2\no\nquit\n');
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stderr).toContain('nodefraction must be a number, a share of the total such as 0.005, got x\n');
    expect(ours.stdout).toMatch(/ {2}nodefraction += 0\.005\n {2}edgefraction += 0\.01\n/);
  });
});

describe('npm run pprof -help, and names that do not exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-help-'));
  const profile = join(dir, 'cpu.pb.gz');
  const builder = new ProfileBuilder({ sampleTypes: [{ type: 'cpu', unit: 'nanoseconds' }] });
  builder.addSample([{ name: 'work', file: '/app/work.ts', line: 3 }], [1_000_000]);
  writeFileSync(profile, encodeProfile(builder.build()));
  const named = (text: string) => new Set([...text.matchAll(/^ {2}-?([a-z_]+)/gm)].map((match) => match[1]!));

  it.each([['-help'], ['-h'], ['--help']])(
    '%s lists every report and option, one line each, and exits 0',
    (flag) => {
      const result = runPprofCommand([flag]);
      expect(result.status).toBe(0);
      expect(result.stderr).toBe('');
      const names = named(result.stdout);
      for (const name of [
        ...REPORTS,
        ...SETTING_NAMES.filter((setting) => setting !== 'granularity'),
        'text',
        'output',
        'seconds',
        'base',
        'diff_base',
        'http',
        'no_browser',
      ])
        expect(names, name).toContain(name);
      // Each listed name is one the command line takes: none is refused as unknown.
      for (const name of names) expect(runPprofCommand([`-${name}`]).stderr, name).not.toContain('unknown option');
    },
    120_000,
  );

  it.each([
    ['-nodecont=3', 'pprof: unknown option -nodecont=3: did you mean -nodecount?'],
    ['-lnes', 'pprof: unknown option -lnes: did you mean -lines?'],
    ['-tpo', 'pprof: unknown option -tpo: did you mean -top?'],
    ['-sample', 'pprof: unknown option -sample: did you mean -sample_index?'],
    ['-bogus', 'pprof: unknown option -bogus'],
  ])('%s is refused in one line naming the nearest option, then where the list is', (option, message) => {
    const result = runPprofCommand(['-top', option, profile]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${message}\nusage: npm run pprof -- [options] [report] profile...  (npm run pprof -- -help lists them)\n`);
  });

  it('help at the prompt lists every command and setting; a name that is neither gets the nearest', () => {
    const result = runPprofCommand([profile], {}, 'help\ntpo\nfocsu=x\nlnes\nbogus\nquit\n');
    expect(result.status).toBe(0);
    const names = named(result.stdout.replace(/^\(pprof\) /, ''));
    for (const name of ['top', 'text', 'tree', 'peek', 'list', 'traces', 'tags', 'web', 'o', 'help', 'quit', 'granularity', 'unit', 'source_path', 'trim_path'])
      expect(names, name).toContain(name);
    expect(result.stderr.split('\n').slice(-5)).toEqual([
      'unrecognized command: "tpo": did you mean top? (type "help" for commands)',
      'unknown setting focsu: did you mean focus? (type "help" for the settings)',
      'unrecognized command: "lnes": did you mean lines? (type "help" for commands)',
      'unrecognized command: "bogus" (type "help" for commands)',
      '',
    ]);
  });
});

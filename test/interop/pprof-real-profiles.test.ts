import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeProfile, encodeProfile } from '../../src/pprof/index.ts';
import { fixture, pprofEntry, repoRoot } from '../helpers/run.ts';
import { goBinary } from '../helpers/tools.ts';

const go = goBinary();

/** Runs a pprof, ours (`node bin/pprof.mjs`) or Go's, keeping its output as bytes: Go writes strings' bytes as they are. */
function run(command: string, args: string[], input = '', cwd = repoRoot) {
  const result = spawnSync(command, args, { cwd, input, timeout: 120_000, maxBuffer: 2 ** 30 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString() };
}
const ours = (args: string[], input?: string, cwd?: string) => run(process.execPath, [pprofEntry, ...args], input, cwd);
const theirs = (args: string[], input?: string, cwd?: string) => run(go!, ['tool', 'pprof', ...args], input, cwd);

/** The real profiles of test/fixtures/pprof (see its README), by their path there. */
const real = (name: string) => fixture(`pprof/${name}`);

/**
 * Profiles other tools wrote (Go's runtime, @datadog/pprof, our profilers on programs whose names
 * V8 and Go write oddly), read by npm run pprof and by go tool pprof 1.19: each report's bytes
 * must be the same. Profiles derived from them here (diffs, a duration of -1) are read back too.
 */
describe.skipIf(!go)('npm run pprof reads real profiles as go tool pprof does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-real-'));
  const file = (name: string) => (name.startsWith('DIR/') ? join(dir, name.slice(4)) : real(name));

  beforeAll(() => {
    // Diff profiles, whose values go negative: the wall profile's descend calls less the whole.
    const focused = ours(['-proto', '-focus=descend', `-output=${join(dir, 'descend.pb.gz')}`, real('datadog/wall.pb.gz')]);
    if (focused.status !== 0) throw new Error(focused.stderr);
    const diffArgs = (output: string) => ['-proto', `-diff_base=${real('datadog/wall.pb.gz')}`, `-output=${join(dir, output)}`, join(dir, 'descend.pb.gz')];
    const diffOurs = ours(diffArgs('diff-ours.pb.gz'));
    if (diffOurs.status !== 0) throw new Error(diffOurs.stderr);
    const diffGo = theirs(diffArgs('diff-go.pb.gz'));
    if (diffGo.status !== 0) throw new Error(diffGo.stderr);
    // A label that is not UTF-8, written back by -proto: its bytes must survive.
    const copied = ours(['-proto', `-output=${join(dir, 'generics-ours.pb.gz')}`, real('go/generics.pb.gz')]);
    if (copied.status !== 0) throw new Error(copied.stderr);
    // A duration of -1 ns, which an unsigned reading once made 5124095.58hrs.
    const negative = decodeProfile(readFileSync(real('workshop/class-initializers.pb.gz')));
    negative.durationNanos = -1;
    writeFileSync(join(dir, 'duration-minus-one.pb.gz'), encodeProfile(negative));
    // An empty period type, and our -proto copy of it, which once lost the profile's last bytes.
    const emptyPeriodType = decodeProfile(readFileSync(real('datadog/heap.pb.gz')));
    emptyPeriodType.periodType = { type: '', unit: '' };
    writeFileSync(join(dir, 'empty-period-type.pb.gz'), encodeProfile(emptyPeriodType));
    const copiedEmpty = ours(['-proto', `-output=${join(dir, 'empty-period-type-ours.pb.gz')}`, join(dir, 'empty-period-type.pb.gz')]);
    if (copiedEmpty.status !== 0) throw new Error(copiedEmpty.stderr);
  }, 120_000);

  it.each([
    // No mappings: go tool pprof gives each such source one empty mapping, which -raw lists.
    ['-raw', 'google-pprof/go.nomappings.crash'],
    ['-top', 'google-pprof/go.nomappings.crash'],
    ['-raw', 'datadog/wall.pb.gz'],
    ['-raw', 'datadog/heap.pb.gz'],
    ['-raw', 'datadog/wall.pb.gz datadog/wall.pb.gz'],
    ['-raw', 'DIR/descend.pb.gz datadog/wall.pb.gz'],
    ['-top', 'datadog/wall.pb.gz'],
    ['-traces', 'datadog/heap.pb.gz'],
    ['-tree', 'datadog/wall.pb.gz'],
    // V8's <static_initializer> and <instance_members_initializer> are shown as their file.
    ['-top', 'workshop/class-initializers.pb.gz'],
    ['-traces', 'workshop/class-initializers.pb.gz'],
    ['-raw', 'workshop/class-initializers.pb.gz'],
    ['-peek=Table', 'workshop/class-initializers.pb.gz'],
    // Go's generic functions and methods keep their names.
    ['-top', 'go/generics.pb.gz'],
    ['-top -cum', 'go/generics.pb.gz'],
    ['-peek=Stack', 'go/generics.pb.gz'],
    ['-tree -focus=Fill', 'go/generics.pb.gz'],
    // A label value that is not UTF-8 (the byte 0xE9) is printed, and written by -proto, as its bytes.
    ['-raw', 'go/generics.pb.gz'],
    ['-traces', 'go/generics.pb.gz'],
    ['-raw', 'DIR/generics-ours.pb.gz'],
    ['-traces -tagfocus=city=caf', 'DIR/generics-ours.pb.gz'],
    // Negative values: diff profiles written by us and by go tool pprof, and a duration of -1.
    ['-top', 'DIR/diff-ours.pb.gz'],
    ['-raw', 'DIR/diff-ours.pb.gz'],
    ['-top -cum', 'DIR/diff-go.pb.gz'],
    ['-traces', 'DIR/diff-go.pb.gz'],
    ['-raw', 'DIR/diff-go.pb.gz'],
    ['-top', 'DIR/duration-minus-one.pb.gz'],
    ['-raw', 'DIR/duration-minus-one.pb.gz'],
    ['-raw', 'DIR/empty-period-type.pb.gz'],
    ['-raw', 'DIR/empty-period-type-ours.pb.gz'],
  ])('%s %s', (options, names) => {
    const args = [...options.split(' '), ...names.split(' ').map(file)];
    const expected = theirs(args);
    expect(expected.status, expected.stderr).toBe(0);
    const actual = ours(args);
    expect(actual.status, actual.stderr).toBe(0);
    expect(actual.stdout.toString('latin1')).toBe(expected.stdout.toString('latin1'));
    expect(actual.stderr).toBe(expected.stderr);
  });

  it.each([
    ['datadog/wall.pb.gz', ['top3', 'traces', 'quit']],
    ['google-pprof/go.nomappings.crash', ['top', 'quit']],
  ])('the (pprof) prompt on %s: %j', (name, commands) => {
    const input = `${commands.join('\n')}\n`;
    const expected = theirs([file(name)], input);
    const actual = ours([file(name)], input);
    expect(actual.status, actual.stderr).toBe(0);
    expect(actual.stdout.toString('latin1')).toBe(expected.stdout.toString('latin1'));
    expect(actual.stderr.split('\n').slice(0, 5)).toEqual(expected.stderr.split('\n').slice(0, 5));
  });

  it.each([
    ['-top -tagfocus=pod=4242239', 'go/generics.pb.gz'],
    ['-traces -tagignore=4242239', 'go/generics.pb.gz'],
    ['-top -tagfocus=pod=1:2', 'go/generics.pb.gz'],
  ])('%s %s says it read a number as a range, first, as go tool pprof does', (options, name) => {
    const args = [...options.split(' '), real(name)];
    const expected = theirs(args);
    const actual = ours(args);
    expect(actual.status, actual.stderr).toBe(expected.status);
    expect(actual.stdout.toString('latin1')).toBe(expected.stdout.toString('latin1'));
    // Go says no more than that nothing matched; we say which filter, after its words.
    const [interpreted, ...rest] = expected.stderr.split('\n');
    expect(interpreted).toMatch(/^tag(focus|ignore):Interpreted '[\d:]+' as range, not regexp$/);
    expect(actual.stderr.split('\n')[0]).toBe(interpreted);
    for (const [i, line] of rest.entries()) expect(actual.stderr.split('\n')[i + 1]).toContain(line);
  });

  // -list finds node:internal/modules/esm/module_job (the wall profile's run) from the directory it runs in.
  it.each([
    ['a directory of that name: the header alone', (at: string) => mkdirSync(join(at, SOURCE), { recursive: true })],
    ['a file with a line of 64 KiB: its lines up to that one', (at: string) => writeLines(at, 65_536)],
    ['a file with a line just under 64 KiB: all of them', (at: string) => writeLines(at, 65_535)],
  ])('-list where the source is %s', (_, make) => {
    const at = mkdtempSync(join(tmpdir(), 'pprof-list-'));
    make(at);
    const args = ['-list=run', real('datadog/wall.pb.gz')];
    const expected = theirs(args, '', at);
    expect(expected.status, expected.stderr).toBe(0);
    const actual = ours(args, '', at);
    expect(actual.status, actual.stderr).toBe(0);
    expect(actual.stdout.toString('latin1')).toBe(expected.stdout.toString('latin1'));
  });
});

const SOURCE = 'node:internal/modules/esm/module_job';

/** The source -list shows for run (line 550), with line 548 `bytes` long: two bytes a character, as in minified code with accents. */
function writeLines(at: string, bytes: number) {
  const lines = Array.from({ length: 560 }, (_, i) => `line ${i + 1}`);
  lines[547] = 'é'.repeat(Math.floor(bytes / 2)) + 'x'.repeat(bytes % 2);
  mkdirSync(join(at, dirname(SOURCE)), { recursive: true });
  writeFileSync(join(at, SOURCE), `${lines.join('\n')}\n`);
}

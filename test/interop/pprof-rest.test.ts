import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/run.ts';
import { goBinary, graphvizDot } from '../helpers/tools.ts';
import { ProfileBuilder, encodeProfile } from '../../src/pprof/index.ts';

const go = goBinary();
const pprofEntry = join(repoRoot, 'bin/pprof.mjs');
const fixtures = join(repoRoot, 'test/fixtures/pprof');
const wall = join(fixtures, 'datadog/wall.pb.gz');

/** Ours and go tool pprof, each in a directory of its own (where the prompt writes its files). */
function both(args: readonly string[], input = '') {
  const run = (command: string, commandArgs: readonly string[]) => {
    const cwd = mkdtempSync(join(tmpdir(), 'pprof-rest-'));
    const result = spawnSync(command, commandArgs, { cwd, input, env: process.env });
    const files = Object.fromEntries(
      readdirSync(cwd)
        .sort()
        .map((name) => [name, readFileSync(join(cwd, name))]),
    );
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString(), files };
  };
  return { ours: run(process.execPath, [pprofEntry, ...args]), theirs: run(go!, ['tool', 'pprof', ...args]) };
}

/** What the prompt says after the profile's header. */
const afterHeader = (stderr: string) => stderr.slice(stderr.indexOf('Entering interactive mode'));

/**
 * What was left of go tool pprof's options and commands: the output commands at the (pprof)
 * prompt, -gif and -ps, -call_tree, against go tool pprof 1.19 on the same files.
 */
describe.skipIf(!go || !graphvizDot())('npm run pprof: the rest of what go tool pprof does', () => {
  it.each(['gif', 'ps', 'png'])('-%s draws the same image as go tool pprof, byte for byte', (format) => {
    const { ours, theirs } = both([`-${format}`, wall]);
    expect(ours.status, ours.stderr).toBe(0);
    expect(theirs.status).toBe(0);
    expect(ours.stdout.length).toBeGreaterThan(1000);
    expect(Buffer.compare(ours.stdout, theirs.stdout)).toBe(0);
  });

  it('at the prompt, image and callgrind commands write profileNNN files, > FILE and output=FILE redirect, and it says where', () => {
    const commands = [
      'svg',
      'svg spin',
      'png',
      'gif -cum',
      'ps',
      'callgrind',
      'dot3',
      'top > top.txt',
      'dot > graph.dot',
      'callgrind Warmup > warmup.out',
      'output=set.gif',
      'gif',
      'output=',
      'png5',
      'pdf',
      'proto',
      'top >',
      'quit',
    ];
    const { ours, theirs } = both([wall], `${commands.join('\n')}\n`);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout.toString()).toBe(theirs.stdout.toString());
    expect(afterHeader(ours.stderr)).toBe(afterHeader(theirs.stderr));
    expect(Object.keys(ours.files)).toEqual(Object.keys(theirs.files));
    expect(Object.keys(ours.files)).toEqual([
      'graph.dot',
      'profile001.callgraph.out',
      'profile001.gif',
      'profile001.pb.gz',
      'profile001.pdf',
      'profile001.png',
      'profile001.ps',
      'profile001.svg',
      'profile002.png',
      'profile002.svg',
      'set.gif',
      'top.txt',
      'warmup.out',
    ]);
    // go tool pprof adds a pan-and-zoom script to its SVG, and a PDF holds the time it was made;
    // a gzipped profile is compared by what it holds.
    for (const [name, bytes] of Object.entries(ours.files)) {
      if (name.endsWith('.svg')) expect(bytes.toString('latin1'), name).toMatch(/^<\?xml.*\n<!DOCTYPE svg/);
      else if (name.endsWith('.pdf')) expect(bytes.toString('latin1'), name).toMatch(/^%PDF-/);
      else if (!name.endsWith('.pb.gz')) expect(Buffer.compare(bytes, theirs.files[name]!), name).toBe(0);
    }
    const raw = (bytes: Buffer) => {
      const dir = mkdtempSync(join(tmpdir(), 'pprof-rest-proto-'));
      const path = join(dir, 'profile.pb.gz');
      writeFileSync(path, bytes);
      return execFileSync(go!, ['tool', 'pprof', '-raw', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    };
    expect(raw(ours.files['profile001.pb.gz']!)).toBe(raw(theirs.files['profile001.pb.gz']!));
  });

  it('at the prompt, flamegraph writes our flame graph to a profileNNN.svg file, or where told', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pprof-rest-flame-'));
    const result = spawnSync(process.execPath, [pprofEntry, wall], { cwd, input: 'flamegraph\nflamegraph > flame.svg\nquit\n', encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(afterHeader(result.stderr).split('\n').slice(1)).toEqual(['Generating report in profile001.svg', 'Generating report in flame.svg', '']);
    for (const name of ['profile001.svg', 'flame.svg']) expect(readFileSync(join(cwd, name), 'utf8')).toContain('>spin</text>');
  });

  it('at the prompt, a file that cannot be written is said in one line, and the prompt goes on', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pprof-rest-unwritable-'));
    const result = spawnSync(process.execPath, [pprofEntry, wall], {
      cwd,
      input: 'svg > /nonexistent/graph.svg\noutput=/nonexistent/x\ntop3\nquit\n',
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    expect(afterHeader(result.stderr).split('\n').slice(1)).toEqual([
      'cannot write /nonexistent/graph.svg: directory /nonexistent does not exist',
      'cannot write /nonexistent/x: directory /nonexistent does not exist',
      '',
    ]);
    expect(result.stdout).toContain('spin');
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe.skipIf(!go)('a profile two records of which share an id', () => {
  it.each(['mappings', 'functions', 'locations'] as const)(
    'with two %s of one id is refused, as go tool pprof refuses it, naming the kind and the id',
    (kind) => {
      const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
      builder.addSample(
        [
          { name: 'leaf', file: '/app/work.ts', line: 7 },
          { name: 'main', file: '/app/main.ts', line: 20 },
        ],
        [1],
      );
      const profile = builder.build();
      if (kind === 'mappings') profile.mappings.push({ ...profile.mappings[0]! });
      else profile[kind][1]!.id = profile[kind][0]!.id;
      const id = profile[kind][0]!.id;
      const dir = mkdtempSync(join(tmpdir(), 'pprof-rest-ids-'));
      const path = join(dir, `${kind}.pb.gz`);
      writeFileSync(path, encodeProfile(profile));
      const { ours, theirs } = both(['-top', path]);
      expect(theirs.status).toBe(1);
      expect(theirs.stderr).toContain(`malformed profile: multiple ${kind} with same id: ${id}\n`);
      expect(ours.status).toBe(1);
      expect(ours.stdout.toString()).toBe('');
      expect(ours.stderr).toBe(`pprof: ${path}: not a pprof profile: two ${kind} have the id ${id}\n`);
    },
  );
});

describe.skipIf(!go)('records whose fields are all 0, nested in others', () => {
  it('a profile with labels of nothing is written so that go tool pprof reads it, and -proto gives back what it read', () => {
    const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
    builder.addSample([{ name: 'leaf', file: '/app/work.ts', line: 7 }], [1], { city: 'Oslo' });
    builder.addSample([{ name: 'main', file: '/app/main.ts', line: 20 }], [2]);
    const profile = builder.build();
    profile.samples[0]!.labels.push({ key: '', str: '', num: 0, numUnit: '' });
    profile.samples[1]!.labels.push({ key: 'empty', str: '', num: 0, numUnit: '' }, { key: 'bytes', str: '', num: 4096, numUnit: 'bytes' });
    profile.comments.push('after the samples');
    const dir = mkdtempSync(join(tmpdir(), 'pprof-rest-empty-'));
    const input = join(dir, 'input.pb.gz');
    const output = join(dir, 'output.pb.gz');
    writeFileSync(input, encodeProfile(profile));
    const goRaw = (path: string) => spawnSync(go!, ['tool', 'pprof', '-raw', path], { encoding: 'utf8' });
    const theirs = goRaw(input);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(theirs.stdout).toContain('Comment: after the samples\n');
    const { ours } = both(['-raw', input]);
    expect(ours.stdout.toString()).toBe(theirs.stdout);
    const written = spawnSync(process.execPath, [pprofEntry, '-proto', `-output=${output}`, input], { encoding: 'utf8' });
    expect(written.status, written.stderr).toBe(0);
    expect(goRaw(output).stdout).toBe(theirs.stdout);
  });
});

/**
 * The frames a profile asks its readers to drop (drop_frames, keep_frames), and those go tool
 * pprof drops from legacy profiles (the allocator's, in a heap profile), against go tool pprof.
 */
describe.skipIf(!go)('frames a profile says to drop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-rest-drop-'));
  const frame = (name: string, line = 1) => ({ name, file: `/src/${name.replace(/\W/g, '_')}.c`, line });
  const proto = join(dir, 'drop.pb.gz');
  {
    const builder = new ProfileBuilder({ sampleTypes: [{ type: 'alloc_space', unit: 'bytes' }] });
    builder.addSample([frame('malloc'), frame('runtime.mallocgc'), frame('main.alloc'), frame('main.main')], [100]);
    builder.addSample([frame('runtime.mallocgc'), frame('runtime.panic'), frame('main.recover'), frame('main.main')], [40]);
    builder.addSample([frame('malloc(unsigned long)'), frame('main.work'), frame('runtime.main')], [25]);
    builder.addSample([frame('main.leaf'), frame('runtime.goexit')], [10]);
    builder.addSample([frame('operator new(unsigned long)'), frame('Cache::grow'), frame('main.main')], [5]);
    const profile = builder.build();
    profile.dropFrames = 'malloc|runtime\\..*|operator new';
    profile.keepFrames = 'runtime\\.panic';
    // A location with inlined lines: the allocator inlined into user code, which stays.
    const mixed = profile.samples[0]!.locations[1]!;
    mixed.lines.push(profile.samples[0]!.locations[2]!.lines[0]!);
    writeFileSync(proto, encodeProfile(profile));
  }
  const javaHeap = join(dir, 'java.heap');
  writeFileSync(
    javaHeap,
    [
      '--- heapz 1 ---',
      'format = java',
      'resolution = bytes',
      '   4096   2 @ 0x1 0x2 0x3 0x4',
      '   1024   1 @ 0x5 0x3 0x4',
      '    512   1 @ 0x1 0x4',
      '    256   1 @ 0x6 0x2 0x7',
      ' ',
      '0x1 allocate (Alloc.java:1)',
      '0x2 runtime.mallocgc (malloc.go:10)',
      '0x3 com.example.Work.run (Work.java:3)',
      '0x4 com.example.Main.main (Main.java:4)',
      '0x5 malloc (malloc.c:5)',
      '0x6 com.example.Leaf.grow (Leaf.java:6)',
      '0x7 runtime.main (proc.go:7)',
      '',
    ].join('\n'),
  );

  it.each([
    ['-top', proto],
    ['-traces', proto],
    ['-raw', proto],
    ['-top', javaHeap],
    ['-traces', javaHeap],
    ['-tree', javaHeap],
  ])('%s %s', (option, path) => {
    const { ours, theirs } = both([option, path]);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout.toString()).toBe(theirs.stdout.toString());
  });
});

/**
 * -call_tree: the call graph as a tree, a node per function per calling context. go tool pprof
 * builds it from a map and sorts nodes that tie in every respect in no fixed order (a recursive
 * function's chain of equal nodes): the cases are ones where its output does not vary.
 */
describe.skipIf(!go)('-call_tree', () => {
  const profiles = {
    wall: join(fixtures, 'datadog/wall.pb.gz'),
    heap: join(fixtures, 'datadog/heap.pb.gz'),
    generics: join(fixtures, 'go/generics.pb.gz'),
    classes: join(fixtures, 'workshop/class-initializers.pb.gz'),
  };
  it.each([
    ['-dot -call_tree', 'heap'],
    ['-dot -call_tree -nodecount=5', 'wall'],
    ['-dot -call_tree -nodecount=5', 'generics'],
    ['-dot -call_tree -nodecount=5', 'classes'],
    ['-dot -call_tree -nodefraction=0.05', 'heap'],
    ['-dot -call_tree -nodefraction=0.05', 'generics'],
    ['-dot -call_tree -nodecount=10 -nodefraction=0.2', 'generics'],
    ['-dot -call_tree -nodecount=10 -nodefraction=0.2', 'heap'],
    ['-dot -call_tree -nodecount=10 -nodefraction=0.2', 'wall'],
    ['-dot -call_tree -lines', 'heap'],
    ['-dot -call_tree -lines', 'classes'],
    ['-dot -call_tree -edgefraction=0.1 -nodecount=8', 'generics'],
    ['-dot -call_tree -edgefraction=0.1 -nodecount=8', 'wall'],
    ['-dot -call_tree -edgefraction=0.1 -nodecount=8', 'classes'],
    // callgrind's names: one function called from two places is two, numbered.
    ['-callgrind -call_tree', 'heap'],
    ['-callgrind -call_tree', 'classes'],
    // The text reports are of the graph, whatever -call_tree says, as in go tool pprof.
    ['-top -call_tree', 'wall'],
    ['-top -call_tree -cum', 'generics'],
    ['-text -call_tree', 'heap'],
  ] as const)('%s %s', (options, name) => {
    const { ours, theirs } = both([...options.split(' '), profiles[name]]);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout.toString()).toBe(theirs.stdout.toString());
  });

  it('at the prompt: call_tree=true, then dot and top, then call_tree=false', () => {
    const input = 'call_tree=true\ndot5\ntop3\ncall_tree=false\ndot5\nquit\n';
    const { ours, theirs } = both([profiles.generics], input);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout.toString()).toBe(theirs.stdout.toString());
  });

  it('draws a recursive function once per depth, every node with at most one caller', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pprof-rest-tree-'));
    const dot = (tree: boolean) =>
      spawnSync(process.execPath, [pprofEntry, '-dot', ...(tree ? ['-call_tree'] : []), profiles.wall], { cwd, encoding: 'utf8' }).stdout;
    const named = (text: string, name: string) => text.split('\n').filter((line) => line.includes(`[label="${name}\\n`)).length;
    expect(named(dot(false), 'descend')).toBe(1);
    const tree = dot(true);
    expect(named(tree, 'descend')).toBeGreaterThan(10);
    const callees = [...tree.matchAll(/^N\d+ -> (N\d+) \[/gm)].map((match) => match[1]!);
    expect(new Set(callees).size).toBe(callees.length);
    // The same text every time: a tie between equal nodes is broken by the order samples reach them.
    expect(dot(true)).toBe(tree);
  });
});

describe('help at the (pprof) prompt', () => {
  it('lists each output command, output= and call_tree=', () => {
    const result = spawnSync(process.execPath, [pprofEntry, wall], { input: 'help\nquit\n', encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const listed = new Set([...result.stdout.replace(/^\(pprof\) /, '').matchAll(/^ {2}([a-z_]+)/gm)].map((match) => match[1]!));
    for (const name of ['dot', 'svg', 'pdf', 'png', 'gif', 'ps', 'callgrind', 'flamegraph', 'proto', 'output', 'call_tree'])
      expect(listed, name).toContain(name);
  });
});

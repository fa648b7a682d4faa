import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runPprofCommand } from '../helpers/run.ts';
import { recordProfiles } from '../helpers/recorded.ts';
import { goBinary } from '../helpers/tools.ts';
import { ProfileBuilder, encodeProfile, type Profile } from '../../src/pprof/index.ts';

const go = goBinary();

/**
 * The call graph (-dot) and the callgrind file (-callgrind) against go tool pprof's, whole text: profiles
 * from our CPU, wall and heap profilers, a Go program's (inlined frames, a binary's mapping),
 * and a large generated one whose graph has to be cut to 80 nodes, with labels on its samples.
 */
describe.skipIf(!go)('npm run pprof draws the call graph as go tool pprof draws it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-graph-'));
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    recordProfiles(dir, ['cpu', 'heap', 'wall', 'wall-again', 'go'], go);
    writeFileSync(file('many.pb.gz'), encodeProfile(manyFunctions()));
    // A diff profile's negative values change how the graph orders and colours its nodes.
    execFileSync(go!, ['tool', 'pprof', '-proto', `-diff_base=${file('wall-again.pb.gz')}`, `-output=${file('diff.pb.gz')}`, file('wall.pb.gz')], {
      stdio: 'pipe',
    });
  }, 120_000);

  it.each([
    ['-dot', 'cpu.pb.gz'],
    ['-dot', 'wall.pb.gz'],
    ['-dot -nodecount=4', 'wall.pb.gz'],
    ['-dot -tagfocus=state=waiting', 'wall.pb.gz'],
    ['-dot -focus=cpuIntensiveTask -hide=digest', 'wall.pb.gz'],
    ['-dot', 'heap.pb.gz'],
    ['-dot -sample_index=inuse_objects', 'heap.pb.gz'],
    ['-dot', 'go-cpu.pb.gz'],
    ['-dot -nodecount=5', 'go-cpu.pb.gz'],
    ['-dot -sample_index=alloc_space', 'go-heap.pb.gz'],
    ['-dot', 'cpu.pb.gz go-cpu.pb.gz'],
    ['-dot -diff_base=DIR/wall-again.pb.gz', 'wall.pb.gz'],
    ['-dot -base=DIR/wall-again.pb.gz -nodecount=6', 'wall.pb.gz'],
    ['-dot', 'diff.pb.gz'],
    ['-callgrind', 'diff.pb.gz'],
    ['-dot', 'many.pb.gz'],
    ['-dot -nodecount=12', 'many.pb.gz'],
    ['-dot -nodecount=0', 'many.pb.gz'],
    ['-dot -sample_index=bytes -tagignore=state=idle', 'many.pb.gz'],
    ['-callgrind', 'cpu.pb.gz'],
    ['-callgrind', 'wall.pb.gz'],
    ['-callgrind', 'heap.pb.gz'],
    ['-callgrind', 'go-cpu.pb.gz'],
    ['-callgrind -sample_index=alloc_space', 'go-heap.pb.gz'],
    ['-callgrind', 'cpu.pb.gz go-cpu.pb.gz'],
    ['-callgrind -sample_index=samples', 'many.pb.gz'],
    ['-callgrind -focus=fn3', 'many.pb.gz'],
  ])('%s %s', (options, names) => {
    const args = [...options.replaceAll('DIR/', `${dir}/`).split(' '), ...names.split(' ').map(file)];
    const theirs = execFileSync(go!, ['tool', 'pprof', ...args], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const ours = runPprofCommand(args);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs);
  });

  it.each([
    ['go-cpu.pb.gz', ['dot', 'dot4', 'focus=main', 'dot -cum', 'quit']],
    ['wall.pb.gz', ['dot3 cpuIntensiveTask', 'sample_index=0', 'dot', 'exit']],
  ])('at the (pprof) prompt, %s: %j', (name, commands) => {
    const input = `${commands.join('\n')}\n`;
    const theirs = spawnSync(go!, ['tool', 'pprof', file(name)], { cwd: repoRoot, input, encoding: 'utf8' });
    const ours = runPprofCommand([file(name)], {}, input);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });
});

/** A tiny deterministic generator, so the profile is the same on every run. */
function randomNumbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * A profile of 160 functions in 8 files called in varied stacks, more than the call graph's 80
 * nodes, its samples labelled (text labels and `bytes`) so that nodes carry label boxes.
 */
function manyFunctions(): Profile {
  const random = randomNumbers(19);
  const builder = new ProfileBuilder({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'bytes', unit: 'bytes' },
    ],
    mappingFile: '/srv/app/server.js',
  });
  const names = Array.from({ length: 160 }, (_, i) => `${['app', 'db', 'http', 'json', 'cache', 'auth', 'log', 'util'][i % 8]}.fn${i}`);
  // Two functions share one name and file (a name defined twice): callgrind tells them apart.
  const frame = (i: number) => ({
    name: names[i]!,
    file: `/srv/app/${names[i]!.split('.')[0]}.js`,
    line: 10 + i,
    functionLine: i === 7 && random() < 0.5 ? 300 : 10,
  });
  for (let s = 0; s < 3000; s++) {
    const depth = 2 + Math.floor(random() * 12);
    // Stacks share their roots and spread out towards the leaves, as programs' do.
    const stack = [0];
    for (let d = 1; d < depth; d++) stack.push(Math.min(159, Math.floor(random() ** 2 * 20 * d)));
    const labels: Record<string, string | number> = { state: ['running', 'waiting', 'idle'][Math.floor(random() * 3)]! };
    if (random() < 0.5) labels.route = `/r${Math.floor(random() * 6)}`;
    if (random() < 0.7) labels.bytes = 2 ** Math.floor(random() * 24);
    builder.addSample(stack.reverse().map(frame), [1 + Math.floor(random() * 9), Math.floor(random() * 100_000)], labels);
  }
  return builder.build();
}

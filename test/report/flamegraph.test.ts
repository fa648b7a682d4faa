import { describe, expect, it } from 'vitest';
import { ProfileBuilder } from '../../src/pprof/index.ts';
import { flameData, flameSubtree, flameTree, type FlameNode } from '../../src/report/flamegraph.ts';
import { mergeProfiles, negated } from '../../src/report/merge.ts';

const frame = (name: string) => ({ name, file: '/app/x.ts', line: 1 });
const lines = (node: FlameNode, depth = 0): string[] => [
  `${'  '.repeat(depth)}${node.name} ${node.total}/${node.self}${node.base ? ` base ${node.base}` : ''}`,
  ...node.children.flatMap((child) => lines(child, depth + 1)),
];

function build(samples: [string[], number][]) {
  const builder = new ProfileBuilder({ sampleTypes: [{ type: 'cpu', unit: 'nanoseconds' }] });
  for (const [stack, value] of samples) builder.addSample(stack.map(frame), [value]);
  return builder.build();
}

describe('flameTree', () => {
  it('adds up each call path root first, children by name', () => {
    const profile = build([
      [['b', 'main'], 3],
      [['a', 'main'], 2],
      [['main'], 1],
    ]);
    expect(lines(flameTree(profile, 0))).toEqual(['root 6/0', '  main 6/1', '    a 2/2', '    b 3/3']);
  });

  it('with callersOf, roots the tree at the function and counts a recursive stack once, from its outermost call', () => {
    const profile = build([
      [['leaf', 'walk', 'walk', 'main'], 4],
      [['walk', 'other'], 2],
      [['main'], 9],
    ]);
    expect(lines(flameTree(profile, 0, { callersOf: 'walk' }))).toEqual(['walk 6/0', '  main 4/4', '  other 2/2']);
  });

  it('keeps the base apart against a -diff_base: total is the change, base the value before', () => {
    const before = build([
      [['parse', 'main'], 10],
      [['render', 'main'], 40],
    ]);
    const after = build([
      [['parse', 'main'], 50],
      [['render', 'main'], 10],
    ]);
    const tree = flameTree(mergeProfiles([after, negated(before, { markAsBase: true })]), 0);
    expect(lines(tree)).toEqual(['root 10/0 base 50', '  main 10/0 base 50', '    parse 40/40 base 10', '    render -30/-30 base 40']);
    expect(flameSubtree(tree, ['main', 'render'])?.total).toBe(-30);
    expect(flameSubtree(tree, ['main', 'nothing'])).toBeUndefined();
    const data = flameData(tree, 'cpu', 'nanoseconds');
    expect(data).toMatchObject({
      names: ['root', 'main', 'parse', 'render'],
      name: [0, 1, 2, 3],
      depth: [0, 1, 2, 2],
      total: [10, 10, 40, -30],
      base: [50, 50, 10, 40],
      percentOf: 50,
    });
  });
});

describe('a stack of any depth', () => {
  it('makes a flame tree, its data and its SVG from a 20,000-frame stack, with no recursion limit', async () => {
    const { flameGraphSvg } = await import('../../src/report/svg.ts');
    const deep = Array.from({ length: 20_000 }, (_, i) => `f${i}`);
    const profile = build([
      [deep, 10],
      [deep.slice(10_000), 5],
    ]);
    const data = flameData(flameTree(profile, 0), 'cpu', 'nanoseconds');
    expect(data.depth).toHaveLength(20_001);
    expect(Math.max(...data.depth.slice(0, 1000))).toBe(999);
    expect(data.total[0]).toBe(15);
    // Pre-order: the root, then down the one path; f19999 is the outermost frame.
    expect(data.names[data.name[1]!]).toBe('f19999');
    expect(flameGraphSvg(profile, 0).match(/<g>/g)).toHaveLength(20_001);
  });
});

import type { Location, Profile } from '../pprof/model.ts';
import { BASE_LABEL } from './merge.ts';

/**
 * A profile as a flame graph's tree: one node per distinct call path, root first, each with its
 * total (the samples through it) and self (the samples ending in it) for one sample type.
 * Children are sorted by name, as flame graphs draw them, so a profile always draws the same.
 * Frames are named by function, inlined frames spelled out, as in folded stacks.
 *
 * Against a base profile (-base, -diff_base), whose samples are merged in negated and marked
 * with BASE_LABEL, `total` is the change and `base` the base's own magnitude through the node,
 * so `total + base` is the value after.
 */
export interface FlameNode {
  readonly name: string;
  total: number;
  self: number;
  base: number;
  readonly children: FlameNode[];
}

/**
 * A flame tree as a browser receives it: nodes root first in depth-first order (each node's
 * descendants follow it), as parallel arrays, with names interned. Compact enough for a profile
 * of fifty thousand nodes, and what the slides record from real profiles.
 */
export interface FlameData {
  /** The sample type and its unit, as the profile names them (`wall`, `nanoseconds`). */
  readonly type: string;
  readonly unit: string;
  /** What percentages are of: the root's total, or against a -diff_base the base's. */
  readonly percentOf: number;
  readonly names: string[];
  readonly name: number[];
  readonly depth: number[];
  readonly total: number[];
  readonly self: number[];
  /** Present against a base: the base's magnitude through each node. */
  readonly base?: number[];
}

/**
 * Each location's function names, outermost first (a location lists its inlined frames
 * innermost first): the order a root-first path takes them in. `?` for a frame with no function.
 */
export function locationFrameNames(profile: Profile): Map<Location, string[]> {
  return new Map(profile.locations.map((location) => [location, location.lines.map((line) => line.function.name).reverse()]));
}

export interface FlameTreeOptions {
  /** The function whose callers the tree is of. */
  callersOf?: string;
  /** Each location's frame names, outermost first: by function (locationFrameNames) unless given, as graph.ts's locationNodeNames names them at a granularity. */
  frameNames?: Map<Location, string[]>;
}

/**
 * The flame tree of one sample type. With `callersOf`, the tree of that function's callers
 * instead: the function at the root, its callers above it, theirs above them, each sample
 * counted once from the function's outermost call, so the root's total is the function's cum.
 */
export function flameTree(profile: Profile, sampleIndex: number, options: FlameTreeOptions = {}): FlameNode {
  const { callersOf } = options;
  const locationFrames = options.frameNames ?? locationFrameNames(profile);
  const root: FlameNode = { name: callersOf ?? 'root', total: 0, self: 0, base: 0, children: [] };
  const index = new Map<FlameNode, Map<string, FlameNode>>();
  const child = (parent: FlameNode, name: string): FlameNode => {
    let byName = index.get(parent);
    if (!byName) index.set(parent, (byName = new Map()));
    let node = byName.get(name);
    if (!node) {
      node = { name, total: 0, self: 0, base: 0, children: [] };
      byName.set(name, node);
      parent.children.push(node);
    }
    return node;
  };
  const path: string[] = [];
  for (const sample of profile.samples) {
    const value = sample.values[sampleIndex] ?? 0;
    if (value === 0) continue;
    const base = sample.labels.some((label) => label.key === BASE_LABEL) ? Math.abs(value) : 0;
    path.length = 0;
    for (let i = sample.locations.length - 1; i >= 0; i--) path.push(...(locationFrames.get(sample.locations[i]!) ?? ['?']));
    let frames: Iterable<string> = path;
    if (callersOf !== undefined) {
      const outermost = path.indexOf(callersOf);
      if (outermost < 0) continue;
      frames = path.slice(0, outermost).reverse();
    }
    let node = root;
    node.total += value;
    node.base += base;
    for (const name of frames) {
      node = child(node, name);
      node.total += value;
      node.base += base;
    }
    node.self += value;
  }
  // Without recursion: a stack may be thousands of frames deep.
  for (const node of preOrder(root)) node.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return root;
}

/** The node at the end of a path of names below `root` (root excluded), if there is one. */
export function flameSubtree(root: FlameNode, path: readonly string[]): FlameNode | undefined {
  let node: FlameNode | undefined = root;
  for (const name of path) node = node?.children.find((child) => child.name === name);
  return node;
}

/** The tree as FlameData; `percentOf` defaults to the root's total, or the base's when there is one. */
export function flameData(root: FlameNode, type: string, unit: string): FlameData {
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const data = {
    type,
    unit,
    percentOf: root.base > 0 ? root.base : Math.abs(root.total),
    names,
    name: [] as number[],
    depth: [] as number[],
    total: [] as number[],
    self: [] as number[],
  };
  const base: number[] = [];
  const diff = root.base > 0;
  for (const { node, depth } of preOrderWithDepth(root)) {
    let id = nameIndex.get(node.name);
    if (id === undefined) nameIndex.set(node.name, (id = names.push(node.name) - 1));
    data.name.push(id);
    data.depth.push(depth);
    data.total.push(node.total);
    data.self.push(node.self);
    if (diff) base.push(node.base);
  }
  return diff ? { ...data, base } : data;
}

/** Every node below and with `root`, parents before children, children in order; no recursion. */
export function* preOrderWithDepth(root: FlameNode): Generator<{ node: FlameNode; depth: number }> {
  const pending = [{ node: root, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    yield next;
    const { node, depth } = next;
    for (let i = node.children.length - 1; i >= 0; i--) pending.push({ node: node.children[i]!, depth: depth + 1 });
  }
}

function* preOrder(root: FlameNode): Generator<FlameNode> {
  for (const { node } of preOrderWithDepth(root)) yield node;
}

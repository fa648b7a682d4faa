import type { Profile } from 'pprof-format';

/**
 * A profile as a flame graph's tree: one node per distinct call path, root first, each with its
 * total (the samples through it) and self (the samples ending in it) for one sample type.
 * Children are sorted by name, as flame graphs draw them, so a profile always draws the same.
 * Frames are named by function, inlined frames spelled out, as in folded stacks.
 */
export interface FlameNode {
  readonly name: string;
  total: number;
  self: number;
  readonly children: FlameNode[];
}

/**
 * Each location's function names, outermost first (a location lists its inlined frames
 * innermost first): the order a root-first path takes them in. `?` for a frame with no function.
 */
export function locationFrameNames(profile: Profile): Map<number, string[]> {
  const strings = profile.stringTable.strings;
  const functionNames = new Map(profile.function.map((fn) => [Number(fn.id), strings[Number(fn.name)] ?? '']));
  return new Map(profile.location.map((location) => [Number(location.id), location.line.map((line) => functionNames.get(Number(line.functionId)) ?? '?').reverse()]));
}

export function flameTree(profile: Profile, sampleIndex: number): FlameNode {
  const locationFrames = locationFrameNames(profile);
  const root: FlameNode = { name: 'root', total: 0, self: 0, children: [] };
  const index = new Map<FlameNode, Map<string, FlameNode>>();
  const child = (parent: FlameNode, name: string): FlameNode => {
    let byName = index.get(parent);
    if (!byName) index.set(parent, (byName = new Map()));
    let node = byName.get(name);
    if (!node) {
      node = { name, total: 0, self: 0, children: [] };
      byName.set(name, node);
      parent.children.push(node);
    }
    return node;
  };
  for (const sample of profile.sample) {
    const value = Number(sample.value[sampleIndex] ?? 0);
    if (value === 0) continue;
    let node = root;
    node.total += value;
    for (let i = sample.locationId.length - 1; i >= 0; i--) {
      for (const name of locationFrames.get(Number(sample.locationId[i])) ?? ['?']) {
        node = child(node, name);
        node.total += value;
      }
    }
    node.self += value;
  }
  const sort = (node: FlameNode) => {
    node.children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    node.children.forEach(sort);
  };
  sort(root);
  return root;
}

import { posix } from 'node:path';
import type { Location, Profile } from '../pprof/index.ts';
import { trimSourcePath, type SourcePaths } from './source-path.ts';
import { positionFinder } from './record-index.ts';
import { scaledLabel } from './measurement.ts';
import { BASE_LABEL } from './merge.ts';

/**
 * The call graph pprof's reports are drawn from: one node per function (or per line, file or address),
 * each with its flat value (samples where it is the leaf) and cum value (samples it is on, once
 * per sample however often it recurs). Built the way go tool pprof builds it, so the numbers
 * agree row for row.
 */
export const GRANULARITIES = ['functions', 'filefunctions', 'files', 'lines', 'addresses'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export interface NodeInfo {
  /** The location's address, kept at the addresses granularity only; 0 otherwise. */
  readonly address: bigint;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly objfile: string;
  readonly startLine: number;
}

export interface GraphNode {
  readonly key: string;
  readonly info: NodeInfo;
  flat: number;
  cum: number;
  /** Calls into this node, by caller, and out of it, by callee. */
  readonly in: Map<GraphNode, GraphEdge>;
  readonly out: Map<GraphNode, GraphEdge>;
  /** The last sample counted in cum: a function recurring in a stack counts once. */
  lastSample: number;
  /** The samples' labels, when the build asked for them (the call graph draws them). */
  tags?: NodeTags;
}

/** A label value (or a set of them) on a node: how much of the node's flat and cum carry it. */
export interface GraphTag {
  /** `key:value` pairs joined by `\n`, or a numeric value as it prints (`1kB`). */
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  flat: number;
  cum: number;
}

export interface NodeTags {
  /** By the sample's joined text labels. */
  labels: Map<string, GraphTag>;
  /** The `bytes` numeric labels, by the sample's joined text labels ('' for none), then by value. */
  numeric: Map<string, Map<string, GraphTag>>;
}

export interface GraphEdge {
  readonly src: GraphNode;
  readonly dest: GraphNode;
  weight: number;
  /** It passes over nodes left out of the graph. */
  residual: boolean;
  /** Every call it stands for was inlined. */
  inline: boolean;
  /** The last sample counted in weight. */
  lastSample: number;
}

/** The name a report prints for a node: the function, else what is known of where it is. */
export function printableName(info: NodeInfo): string {
  return nameComponents(info).join(' ');
}

/** The parts of a node's printed name: the function, its file (and line), or its binary. */
export function nameComponents(info: NodeInfo): string[] {
  const parts: string[] = [];
  if (info.address !== 0n) parts.push(info.address.toString(16).padStart(16, '0'));
  if (info.name) parts.push(info.name);
  if (info.line !== 0) parts.push(`${info.file}:${info.line}`);
  else if (info.file) parts.push(info.file);
  else if (!info.name) parts.push(info.objfile ? `[${info.objfile.split('/').pop()}]` : '<unknown>');
  return parts;
}

/**
 * What each location's frames are at a granularity, innermost (inlined) first as the location
 * lists its lines: what a node of the graph, or a frame of -traces, stands for.
 */
export function locationInfos(profile: Profile, granularity: Granularity, objNames: boolean, paths?: SourcePaths): Map<Location, NodeInfo[]> {
  const keepName = granularity !== 'files';
  const keepFile = granularity !== 'functions';
  const keepLine = granularity === 'lines' || granularity === 'addresses';
  const keepAddress = granularity === 'addresses';
  const infos = new Map<Location, NodeInfo[]>();
  // Each file's path cleaned once: a file has many functions, a function many locations.
  const cleaned = new Map<string, string>();
  const fileOf = (filename: string) => {
    let file = cleaned.get(filename);
    if (file === undefined) cleaned.set(filename, (file = cleanPath(paths ? trimSourcePath(filename, paths) : filename)));
    return file;
  };
  for (const location of profile.locations) {
    const objfile = location.mapping?.filename ?? '';
    const address = keepAddress ? location.address : 0n;
    if (location.lines.length === 0) {
      infos.set(location, [{ address, name: '', file: '', line: 0, objfile, startLine: 0 }]);
      continue;
    }
    infos.set(
      location,
      location.lines.map(({ function: fn, line }) => {
        const name = keepName ? fn.name : '';
        const file = keepFile ? fileOf(fn.filename) : '';
        // A function without a name is told apart by its binary and first line.
        const placed = objNames || name === '';
        return { address, name, file, line: keepLine ? line : 0, objfile: placed ? objfile : '', startLine: placed ? fn.startLine : 0 };
      }),
    );
  }
  return infos;
}

/**
 * Each location's frames named as reports name their nodes at a granularity (`main.run`,
 * `main.go:12`, `main.run main.go:12`), outermost first, as a flame graph draws them.
 */
export function locationNodeNames(profile: Profile, granularity: Granularity, paths?: SourcePaths): Map<Location, string[]> {
  const names = new Map<Location, string[]>();
  for (const [location, infos] of locationInfos(profile, granularity, false, paths)) names.set(location, infos.map(printableName).reverse());
  return names;
}

/**
 * The frame names of stack views (flame graphs, folded stacks) at a granularity: undefined by
 * function, where they name frames by the functions' own names (see flamegraph.ts's
 * locationFrameNames), else as locationNodeNames names them.
 */
export function stackFrameNames(profile: Profile, granularity: Granularity, paths?: SourcePaths): Map<Location, string[]> | undefined {
  return granularity === 'functions' ? undefined : locationNodeNames(profile, granularity, paths);
}

/**
 * A profile's frames as node numbers, made once and drawn from as often as a report rebuilds its
 * graph: each sample's nodes from the root to the leaf, as the graph is built, with whether each
 * call is inlined. Numbers, not objects, because large profiles hold millions of frames.
 */
interface FrameIndex {
  /** By node number, in the order the profile's locations first name them. */
  readonly keys: string[];
  readonly infos: NodeInfo[];
  /** Sample s's frames are frames[sampleEnds[s - 1] ?? 0 .. sampleEnds[s]]. */
  readonly frames: Int32Array;
  /** A frame is an inlined call into the frame it is in: not its location's outermost line. */
  readonly inlined: Uint8Array;
  readonly sampleEnds: Int32Array;
}

function frameIndex(profile: Profile, granularity: Granularity, objNames: boolean, paths: SourcePaths): FrameIndex {
  const numbers = new Map<string, number>();
  const keys: string[] = [];
  const infos: NodeInfo[] = [];
  const nodeOf = (info: NodeInfo): number => {
    // NUL cannot occur in names or paths: the fields cannot run into each other. An address of 0
    // (all but -addresses) is written without bigint arithmetic, costly in the cold code of a start.
    const key = `${info.address === 0n ? '0' : info.address}\0${info.name}\0${info.file}\0${info.line}\0${info.objfile}\0${info.startLine}`;
    let number = numbers.get(key);
    if (number === undefined) {
      number = keys.length;
      numbers.set(key, number);
      keys.push(key);
      infos.push(info);
    }
    return number;
  };
  // By position in profile.locations: its nodes, outermost first, at
  // locationNodes[nodeStarts[p] .. nodeStarts[p + 1]] (a location lists its inlined lines first).
  const infosOf = locationInfos(profile, granularity, objNames, paths);
  const { locations, samples } = profile;
  const nodeStarts = new Int32Array(locations.length + 1);
  const locationNodes: number[] = [];
  locations.forEach((location, p) => {
    const nodes = infosOf.get(location)!.map(nodeOf);
    for (let j = nodes.length - 1; j >= 0; j--) locationNodes.push(nodes[j]!);
    nodeStarts[p + 1] = locationNodes.length;
  });
  // Each frame's location position, root first, found once: a large profile's millions of
  // frames each point at a location somewhere in memory, and reading it costs most here.
  const position = positionFinder(locations);
  let stackTotal = 0;
  for (const sample of samples) stackTotal += sample.locations.length;
  const positions = new Int32Array(stackTotal);
  let frameCount = 0;
  let next = 0;
  for (const sample of samples) {
    const stack = sample.locations;
    for (let i = stack.length - 1; i >= 0; i--) {
      const location = stack[i]!;
      // Merged profiles number their locations by position from 1.
      const p = locations[location.id - 1] === location ? location.id - 1 : position(location);
      positions[next++] = p;
      // A location that is not in the profile's list stands for no frame.
      if (p >= 0) frameCount += nodeStarts[p + 1]! - nodeStarts[p]!;
    }
  }
  const frames = new Int32Array(frameCount);
  const inlined = new Uint8Array(frameCount);
  const sampleEnds = new Int32Array(samples.length);
  let end = 0;
  next = 0;
  for (let s = 0; s < samples.length; s++) {
    const stackEnd = next + samples[s]!.locations.length;
    for (; next < stackEnd; next++) {
      const p = positions[next]!;
      if (p < 0) continue;
      const last = nodeStarts[p + 1]!;
      for (let j = nodeStarts[p]!; j < last; j++) {
        frames[end] = locationNodes[j]!;
        // All but the location's outermost line are calls inlined into the line before.
        inlined[end++] = j !== nodeStarts[p] ? 1 : 0;
      }
    }
    sampleEnds[s] = end;
  }
  return { keys, infos, frames, inlined, sampleEnds };
}

/** What Go's filepath.Clean does to the paths a profile names (`wasm://x` becomes `wasm:/x`). */
function cleanPath(path: string): string {
  return path === '' ? '' : posix.normalize(path).replace(/(.)\/$/, '$1');
}

export interface BuildOptions {
  /** Node keys: the other nodes are left out, and a sample whose leaf is left out adds no flat value anywhere, as in go tool pprof. */
  kept?: ReadonlySet<string>;
  /** Keeps each node's binary and function start line, as source listings need. */
  objNames?: boolean;
  /** Records the calls between nodes; a report that shows none saves their cost on large profiles. */
  edges?: boolean;
  /** -source_path and -trim_path, which shorten the file names nodes show. */
  paths?: SourcePaths;
  /** Records the samples' labels on the nodes (GraphNode.tags), as the call graph shows them. */
  tags?: boolean;
}

/** A sample's labels as graph nodes carry them. */
interface SampleTags {
  joined: string;
  numeric: { name: string; unit: string; value: number }[];
}

/**
 * The labels of each sample as the call graph shows them: its text labels as sorted `key:value`
 * pairs joined by `\n`, and of the numeric ones only `bytes`, printed in their unit.
 */
function sampleTags(profile: Profile): (sample: Profile['samples'][number]) => SampleTags {
  // A numeric key's unit is the first one a sample gives it, else the key names it.
  let bytesUnit = '';
  for (const sample of profile.samples)
    for (const label of sample.labels) if (label.key === 'bytes' && label.str === '' && label.numUnit !== '' && bytesUnit === '') bytesUnit = label.numUnit;
  if (bytesUnit === '') bytesUnit = 'bytes';
  return (sample) => {
    const pairs: string[] = [];
    const numeric: SampleTags['numeric'] = [];
    for (const label of sample.labels) {
      if (label.key === BASE_LABEL) continue; // marks a base's samples: no graph shows it
      if (label.str !== '') pairs.push(`${label.key}:${label.str}`);
      else if (label.key === 'bytes') numeric.push({ name: scaledLabel(label.num, bytesUnit, 'minimum'), unit: bytesUnit, value: label.num });
    }
    pairs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { joined: pairs.join('\\n'), numeric };
  };
}

function addTags(node: GraphNode, tags: SampleTags, value: number, flat: boolean): void {
  node.tags ??= { labels: new Map(), numeric: new Map() };
  const add = (map: Map<string, GraphTag>, name: string, unit: string, tagValue: number) => {
    let tag = map.get(name);
    if (!tag) map.set(name, (tag = { name, unit, value: tagValue, flat: 0, cum: 0 }));
    if (flat) tag.flat += value;
    else tag.cum += value;
  };
  if (tags.joined !== '') add(node.tags.labels, tags.joined, '', 0);
  if (tags.numeric.length === 0) return;
  let numeric = node.tags.numeric.get(tags.joined);
  if (!numeric) node.tags.numeric.set(tags.joined, (numeric = new Map()));
  for (const { name, unit, value: tagValue } of tags.numeric) add(numeric, name, unit, tagValue);
}

const NO_SOURCE_PATHS: SourcePaths = { search: '', trim: '' };

/** The graph of one sample type. */
export function buildGraph(profile: Profile, sampleIndex: number, granularity: Granularity, options: BuildOptions = {}): GraphNode[] {
  const { kept, objNames = false, edges = true, paths = NO_SOURCE_PATHS } = options;
  const index = frameIndex(profile, granularity, objNames, paths);
  const tags = options.tags ? profile.samples.map(sampleTags(profile)) : undefined;
  return drawGraph(index, sampleValues(profile, sampleIndex), kept && index.keys.map((key) => kept.has(key)), edges, tags);
}

/**
 * The call tree of one sample type (-call_tree): a node per function per calling context, so a
 * function called from two places is two nodes, each with one caller. In the order the samples
 * first reach them.
 */
export function buildCallTree(
  profile: Profile,
  sampleIndex: number,
  granularity: Granularity,
  options: { paths?: SourcePaths; tags?: boolean; objNames?: boolean } = {},
): GraphNode[] {
  const { frames, inlined, sampleEnds, infos } = frameIndex(profile, granularity, options.objNames ?? false, options.paths ?? NO_SOURCE_PATHS);
  const tags = options.tags ? profile.samples.map(sampleTags(profile)) : undefined;
  const values = sampleValues(profile, sampleIndex);
  const roots = new Map<number, GraphNode>();
  const children = new Map<GraphNode, Map<number, GraphNode>>();
  const nodes: GraphNode[] = [];
  let start = 0;
  for (let sampleNumber = 0; sampleNumber < sampleEnds.length; sampleNumber++) {
    const end = sampleEnds[sampleNumber]!;
    const value = values[sampleNumber]!;
    if (value !== 0) {
      let parent: GraphNode | undefined;
      for (let f = start; f < end; f++) {
        const number = frames[f]!;
        let siblings = parent ? children.get(parent) : roots;
        if (!siblings) children.set(parent!, (siblings = new Map()));
        let node = siblings.get(number);
        if (!node) {
          node = { key: `tree ${nodes.length}`, info: infos[number]!, flat: 0, cum: 0, in: new Map(), out: new Map(), lastSample: -1 };
          siblings.set(number, node);
          nodes.push(node);
        }
        node.cum += value;
        if (tags) addTags(node, tags[sampleNumber]!, value, false);
        if (parent) addEdge(parent, node, value, false, inlined[f] === 1, sampleNumber);
        parent = node;
      }
      if (parent) {
        parent.flat += value;
        if (tags) addTags(parent, tags[sampleNumber]!, value, true);
      }
    }
    start = end;
  }
  return nodes.filter((node) => node.flat !== 0 || node.cum !== 0);
}

const sampleValues = (profile: Profile, sampleIndex: number) => Float64Array.from(profile.samples, (sample) => sample.values[sampleIndex] ?? 0);

/** The graph of the frames, with values by sample; `kept` by node number, all nodes when absent. */
/**
 * Each node's flat and cum values as drawGraph counts them, with the numbers of the nodes that
 * have a value, in order: what choosing nodes needs, without making a node object for each.
 */
function nodeSums(index: FrameIndex, values: Float64Array, kept: readonly boolean[] | undefined): { flat: Float64Array; cum: Float64Array; present: number[] } {
  const { frames, sampleEnds } = index;
  const count = index.keys.length;
  const flat = new Float64Array(count);
  const cum = new Float64Array(count);
  const lastSample = new Int32Array(count).fill(-1);
  let start = 0;
  for (let sampleNumber = 0; sampleNumber < sampleEnds.length; sampleNumber++) {
    const end = sampleEnds[sampleNumber]!;
    const value = values[sampleNumber]!;
    if (value !== 0) {
      let leaf = -1;
      for (let f = start; f < end; f++) {
        const node = frames[f]!;
        // A sample whose leaf is left out counts in no node's flat value.
        leaf = kept && !kept[node] ? -1 : node;
        if (leaf < 0 || lastSample[node] === sampleNumber) continue;
        lastSample[node] = sampleNumber;
        cum[node]! += value;
      }
      if (leaf >= 0) flat[leaf]! += value;
    }
    start = end;
  }
  const present: number[] = [];
  for (let number = 0; number < count; number++) if (flat[number] !== 0 || cum[number] !== 0) present.push(number);
  return { flat, cum, present };
}

function drawGraph(index: FrameIndex, values: Float64Array, kept: readonly boolean[] | undefined, edges: boolean, tags?: readonly SampleTags[]): GraphNode[] {
  const { frames, inlined, sampleEnds } = index;
  const count = index.keys.length;
  const flat = new Float64Array(count);
  const cum = new Float64Array(count);
  const lastSample = new Int32Array(count).fill(-1);
  // Made when a call is recorded, or at the end for the nodes with a value.
  const nodes: (GraphNode | undefined)[] = new Array(count).fill(undefined);
  const nodeAt = (number: number): GraphNode =>
    (nodes[number] ??= { key: index.keys[number]!, info: index.infos[number]!, flat: 0, cum: 0, in: new Map(), out: new Map(), lastSample: -1 });
  let start = 0;
  for (let sampleNumber = 0; sampleNumber < sampleEnds.length; sampleNumber++) {
    const end = sampleEnds[sampleNumber]!;
    const value = values[sampleNumber]!;
    if (value === 0) {
      start = end;
      continue;
    }
    let parent = -1;
    let residual = false;
    for (let f = start; f < end; f++) {
      const node = frames[f]!;
      if (kept && !kept[node]) {
        residual = true;
        continue;
      }
      if (lastSample[node] !== sampleNumber) {
        lastSample[node] = sampleNumber;
        cum[node]! += value;
        if (tags) addTags(nodeAt(node), tags[sampleNumber]!, value, false);
      }
      if (edges && parent >= 0 && node !== parent) addEdge(nodeAt(parent), nodeAt(node), value, residual, inlined[f] === 1, sampleNumber);
      parent = node;
      residual = false;
    }
    if (parent >= 0 && !residual) {
      flat[parent]! += value;
      if (tags) addTags(nodeAt(parent), tags[sampleNumber]!, value, true);
    }
    start = end;
  }
  const graph: GraphNode[] = [];
  for (let number = 0; number < count; number++) {
    if (flat[number] === 0 && cum[number] === 0) continue;
    const node = nodeAt(number);
    node.flat = flat[number]!;
    node.cum = cum[number]!;
    graph.push(node);
  }
  return graph;
}

/** Adds a sample's call from src to dest, once per sample however often the stack repeats it. */
function addEdge(src: GraphNode, dest: GraphNode, weight: number, residual: boolean, inline: boolean, sampleNumber: number): void {
  const edge = src.out.get(dest);
  if (edge) {
    if (edge.lastSample === sampleNumber) return;
    edge.lastSample = sampleNumber;
    edge.weight += weight;
    edge.residual ||= residual;
    edge.inline &&= inline;
    return;
  }
  const created: GraphEdge = { src, dest, weight, residual, inline, lastSample: sampleNumber };
  src.out.set(dest, created);
  dest.in.set(src, created);
}

/** Edges by weight, then by the names at their ends, as go tool pprof lists them. */
export function sortEdges(edges: Iterable<GraphEdge>): GraphEdge[] {
  const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...edges].sort(
    (a, b) =>
      Math.abs(b.weight) - Math.abs(a.weight) ||
      compare(printableName(a.src.info), printableName(b.src.info)) ||
      compare(printableName(a.dest.info), printableName(b.dest.info)),
  );
}

/** go tool pprof's orders: by flat, then name; or, with `cum`, by cum, then name, then flat. */
export function sortNodes(nodes: GraphNode[], cum: boolean): GraphNode[] {
  // Each name made once, not in each of the n log n comparisons.
  const ranked = nodes.map((node) => ({ node, flat: node.flat, cum: node.cum, name: printableName(node.info), key: node.key }));
  ranked.sort(rankOrder(cum));
  ranked.forEach((entry, i) => {
    nodes[i] = entry.node;
  });
  return nodes;
}

/** What a node is sorted by in a report: its value, then its name, its other value and its key. */
interface Ranked {
  flat: number;
  cum: number;
  name: string;
  key: string;
}

function rankOrder(cum: boolean): (a: Ranked, b: Ranked) => number {
  const byName = (a: Ranked, b: Ranked) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const byKey = (a: Ranked, b: Ranked) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return cum
    ? (a, b) => Math.abs(b.cum) - Math.abs(a.cum) || byName(a, b) || Math.abs(b.flat) - Math.abs(a.flat) || byKey(a, b)
    : (a, b) => Math.abs(b.flat) - Math.abs(a.flat) || byName(a, b) || Math.abs(b.cum) - Math.abs(a.cum) || byKey(a, b);
}

export interface TrimOptions {
  sampleIndex: number;
  granularity: Granularity;
  /** Nodes whose cum is below this share of the total are dropped (go tool pprof: 0.005). */
  nodeFraction: number;
  /** Edges whose weight is below this share of the total are dropped (go tool pprof: 0.001). */
  edgeFraction: number;
  /** At most this many nodes, the first in report order; 0 for all. */
  nodeCount: number;
  cum: boolean;
  /** Whether the report shows calls (tree, peek) or reads them (top's inline marks). */
  edges: boolean;
  paths?: SourcePaths;
}

export interface TrimmedGraph {
  nodes: GraphNode[];
  /** Nodes left after dropping the small ones, before nodeCount. */
  nodesBeforeCount: number;
  droppedNodes: number;
  /** Sum of the flat values of all nodes before trimming. */
  graphTotal: number;
}

/** The graph a text report shows: small nodes dropped, then the top nodeCount kept, sorted. */
export function trimmedGraph(profile: Profile, options: TrimOptions): TrimmedGraph {
  const index = frameIndex(profile, options.granularity, false, options.paths ?? NO_SOURCE_PATHS);
  const values = sampleValues(profile, options.sampleIndex);
  // Which nodes stay depends on their values only: they are chosen by number, and made into
  // nodes with their calls once, in the last build (a profile may have many thousands).
  const keptOf = (numbers: readonly number[]) => {
    const kept = new Array<boolean>(index.keys.length).fill(false);
    for (const number of numbers) kept[number] = true;
    return kept;
  };
  let sums = nodeSums(index, values, undefined);
  let numbers = sums.present;
  const graphTotal = numbers.reduce((sum, number) => sum + sums.flat[number]!, 0);
  const cutoff = Math.abs(Math.trunc(graphTotal * options.nodeFraction));
  const edgeCutoff = Math.abs(Math.trunc(graphTotal * options.edgeFraction));
  let droppedNodes = 0;
  let kept: boolean[] | undefined;
  if (cutoff > 0) {
    const large = numbers.filter((number) => Math.abs(sums.cum[number]!) >= cutoff);
    if (large.length !== numbers.length) {
      droppedNodes = numbers.length - large.length;
      kept = keptOf(large);
      sums = nodeSums(index, values, kept);
      numbers = sums.present;
    }
  }
  const nodesBeforeCount = numbers.length;
  if (options.nodeCount > 0 && options.nodeCount < numbers.length) {
    const ranked = numbers.map((number) => ({
      number,
      flat: sums.flat[number]!,
      cum: sums.cum[number]!,
      name: printableName(index.infos[number]!),
      key: index.keys[number]!,
    }));
    ranked.sort(rankOrder(options.cum));
    kept = keptOf(ranked.slice(0, options.nodeCount).map((entry) => entry.number));
  }
  // Calls through nodes without a value (their samples cancel out) pass over them, as over the dropped.
  if (options.edges && !kept) kept = keptOf(numbers);
  const nodes = sortNodes(drawGraph(index, values, kept, options.edges), options.cum);
  for (const node of nodes) {
    for (const [src, edge] of node.in) {
      if (Math.abs(edge.weight) >= edgeCutoff) continue;
      node.in.delete(src);
      src.out.delete(node);
    }
  }
  return { nodes, nodesBeforeCount, droppedNodes, graphTotal };
}

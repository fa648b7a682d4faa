import { posix } from 'node:path';
import type { Location, Profile } from '../pprof/index.ts';
import { scaledLabel } from './measurement.ts';
import { BASE_LABEL } from './merge.ts';

/**
 * The call graph pprof's reports are drawn from: one node per function (or per line, or file),
 * each with its flat value (samples where it is the leaf) and cum value (samples it is on, once
 * per sample however often it recurs). Built the way go tool pprof builds it, so the numbers
 * agree row for row.
 */
export type Granularity = 'functions' | 'filefunctions' | 'lines' | 'files' | 'addresses';

export interface NodeInfo {
  /** The instruction's address, at the addresses granularity only (else 0). */
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

/** Location id to its nodes, innermost (inlined) first as the location lists its lines. */
type LocationNodes = Map<Location, (GraphNode | undefined)[]>;

/**
 * What each location's frames are at a granularity, innermost (inlined) first as the location
 * lists its lines: what a node of the graph, or a frame of -traces, stands for.
 */
export function locationInfos(profile: Profile, granularity: Granularity, objNames: boolean): Map<Location, NodeInfo[]> {
  const keepName = granularity !== 'files';
  const keepFile = granularity !== 'functions';
  const keepLine = granularity === 'lines' || granularity === 'addresses';
  const infos = new Map<Location, NodeInfo[]>();
  for (const location of profile.locations) {
    const objfile = location.mapping?.filename ?? '';
    const address = granularity === 'addresses' ? location.address : 0n;
    if (location.lines.length === 0) {
      infos.set(location, [{ address, name: '', file: '', line: 0, objfile, startLine: 0 }]);
      continue;
    }
    infos.set(
      location,
      location.lines.map(({ function: fn, line }) => {
        const name = keepName ? fn.name : '';
        const file = keepFile ? cleanPath(fn.filename) : '';
        // A function without a name is told apart by its binary and first line.
        const placed = objNames || name === '';
        return { address, name, file, line: keepLine ? line : 0, objfile: placed ? objfile : '', startLine: placed ? fn.startLine : 0 };
      }),
    );
  }
  return infos;
}

function createNodes(
  profile: Profile,
  granularity: Granularity,
  kept: ReadonlySet<string> | undefined,
  objNames: boolean,
): { nodes: Map<string, GraphNode>; locations: LocationNodes } {
  const nodes = new Map<string, GraphNode>();
  const locations: LocationNodes = new Map();
  const nodeOf = (info: NodeInfo): GraphNode | undefined => {
    // NUL cannot occur in names or paths: the fields cannot run into each other.
    const key = `${info.name}\0${info.file}\0${info.line}\0${info.objfile}\0${info.startLine}\0${info.address}`;
    if (kept && !kept.has(key)) return undefined;
    let node = nodes.get(key);
    if (!node) nodes.set(key, (node = { key, info, flat: 0, cum: 0, in: new Map(), out: new Map(), lastSample: -1 }));
    return node;
  };
  for (const [location, infos] of locationInfos(profile, granularity, objNames)) locations.set(location, infos.map(nodeOf));
  return { nodes, locations };
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

/** The graph of one sample type. */
export function buildGraph(profile: Profile, sampleIndex: number, granularity: Granularity, options: BuildOptions = {}): GraphNode[] {
  const { kept, objNames = false, edges = true } = options;
  const { nodes, locations } = createNodes(profile, granularity, kept, objNames);
  const samples = profile.samples;
  const tagsOf = options.tags ? sampleTags(profile) : undefined;
  for (let sampleNumber = 0; sampleNumber < samples.length; sampleNumber++) {
    const sample = samples[sampleNumber]!;
    const value = sample.values[sampleIndex] ?? 0;
    if (value === 0) continue;
    const tags = tagsOf?.(sample);
    let parent: GraphNode | undefined;
    let residual = false;
    for (let i = sample.locations.length - 1; i >= 0; i--) {
      const locationNodes = locations.get(sample.locations[i]!) ?? [];
      for (let j = locationNodes.length - 1; j >= 0; j--) {
        const node = locationNodes[j];
        if (!node) {
          residual = true;
          continue;
        }
        if (node.lastSample !== sampleNumber) {
          node.lastSample = sampleNumber;
          node.cum += value;
          if (tags) addTags(node, tags, value, false);
        }
        if (edges && parent && node !== parent) addEdge(parent, node, value, residual, j !== locationNodes.length - 1, sampleNumber);
        parent = node;
        residual = false;
      }
    }
    if (parent && !residual) {
      parent.flat += value;
      if (tags) addTags(parent, tags, value, true);
    }
  }
  return [...nodes.values()].filter((node) => node.flat !== 0 || node.cum !== 0);
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

const byName = (a: GraphNode, b: GraphNode) => {
  const [x, y] = [printableName(a.info), printableName(b.info)];
  return x < y ? -1 : x > y ? 1 : 0;
};
const byKey = (a: GraphNode, b: GraphNode) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** go tool pprof's orders: by flat, then name; or, with `cum`, by cum, then name, then flat. */
export function sortNodes(nodes: GraphNode[], cum: boolean): GraphNode[] {
  return nodes.sort(
    cum
      ? (a, b) => Math.abs(b.cum) - Math.abs(a.cum) || byName(a, b) || Math.abs(b.flat) - Math.abs(a.flat) || byKey(a, b)
      : (a, b) => Math.abs(b.flat) - Math.abs(a.flat) || byName(a, b) || Math.abs(b.cum) - Math.abs(a.cum) || byKey(a, b),
  );
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
  const build = (kept: ReadonlySet<string> | undefined, edges: boolean) => buildGraph(profile, options.sampleIndex, options.granularity, { kept, edges });
  // Which nodes stay depends on their values only: the calls are recorded in the last build.
  let nodes = build(undefined, false);
  let withEdges = false;
  const graphTotal = nodes.reduce((sum, node) => sum + node.flat, 0);
  const cutoff = Math.abs(Math.trunc(graphTotal * options.nodeFraction));
  const edgeCutoff = Math.abs(Math.trunc(graphTotal * options.edgeFraction));
  let droppedNodes = 0;
  if (cutoff > 0) {
    const kept = nodes.filter((node) => Math.abs(node.cum) >= cutoff);
    if (kept.length !== nodes.length) {
      droppedNodes = nodes.length - kept.length;
      nodes = build(new Set(kept.map((node) => node.key)), options.edges);
      withEdges = options.edges;
    }
  }
  const nodesBeforeCount = nodes.length;
  sortNodes(nodes, options.cum);
  if (options.nodeCount > 0 && options.nodeCount < nodes.length) {
    const top = new Set(nodes.slice(0, options.nodeCount).map((node) => node.key));
    nodes = sortNodes(build(top, options.edges), options.cum);
    withEdges = options.edges;
  }
  if (options.edges && !withEdges) nodes = sortNodes(build(new Set(nodes.map((node) => node.key)), true), options.cum);
  for (const node of nodes) {
    for (const [src, edge] of node.in) {
      if (Math.abs(edge.weight) >= edgeCutoff) continue;
      node.in.delete(src);
      src.out.delete(node);
    }
  }
  return { nodes, nodesBeforeCount, droppedNodes, graphTotal };
}

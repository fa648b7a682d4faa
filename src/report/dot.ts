import type { Profile } from '../pprof/index.ts';
import {
  buildCallTree,
  buildGraph,
  nameComponents,
  printableName,
  sortEdges,
  type Granularity,
  type GraphEdge,
  type GraphNode,
  type GraphTag,
  type NodeInfo,
} from './graph.ts';
import { dotColor } from './graph-colour.ts';
import type { SourcePaths } from './source-path.ts';
import { percentage, scale, scaledLabel } from './measurement.ts';
import type { GraphView } from './views.ts';
import { EDGE_FRACTION, NODE_FRACTION, chooseOutputUnit, reportHeader, valueFormat, type ValueFormat } from './top.ts';

/**
 * The call graph in Graphviz's dot language, as `go tool pprof -dot` writes it: a legend with
 * the report's header, one box per function (its font growing with its flat value, its colour
 * with its cum), a box per label under the functions that carry it, and the calls between them
 * (thicker and redder the heavier; dotted where they pass over functions left out).
 */

/** The call graph draws at most this many nodes unless -nodecount says otherwise, as go tool pprof. */
export const GRAPH_NODE_COUNT = 80;
/** Labels drawn under one node at most. */
const MAX_NODELETS = 4;

export interface DotOptions {
  sampleIndex: number;
  nodeCount?: number;
  nodeFraction?: number;
  edgeFraction?: number;
  granularity?: Granularity;
  /** The unit values print in, as -unit: "minimum" (one for the graph) unless given. */
  unit?: string;
  /** -source_path and -trim_path, which shorten the file names nodes show. */
  paths?: SourcePaths;
  activeFilters?: readonly string[];
  /** What percentages are of: by default the profile's total. */
  total?: number;
  /** -call_tree: a node per function per calling context, the graph a tree. */
  callTree?: boolean;
}

export interface VisualGraph {
  nodes: GraphNode[];
  nodesBeforeCount: number;
  droppedNodes: number;
  droppedEdges: number;
  graphTotal: number;
}

/**
 * The graph the call graph draws: small nodes dropped, the nodes that tell most about the
 * program's shape first (entry and leaf nodes, and those where calls branch), the top nodeCount
 * of them kept counting their labels as nodes, small labels and calls dropped, and calls that
 * pass over left-out nodes dropped where another path joins the same two nodes.
 */
export function visualGraph(
  profile: Profile,
  options: {
    sampleIndex: number;
    granularity: Granularity;
    nodeFraction: number;
    edgeFraction: number;
    nodeCount: number;
    callTree?: boolean;
    paths?: SourcePaths;
  },
): VisualGraph {
  // A graph is built again from the samples without the nodes left out; a tree is cut instead,
  // each left-out node's children joined to its parent (go tool pprof does both so).
  const build = (kept?: readonly GraphNode[]) =>
    buildGraph(profile, options.sampleIndex, options.granularity, {
      kept: kept && new Set(kept.map((node) => node.key)),
      edges: true,
      tags: true,
      paths: options.paths,
    });
  const rebuild = (all: GraphNode[], kept: readonly GraphNode[]) => (options.callTree ? cutTree(all, new Set(kept)) : build(kept));
  let nodes = options.callTree ? buildCallTree(profile, options.sampleIndex, options.granularity, { tags: true, paths: options.paths }) : build();
  const graphTotal = nodes.reduce((sum, node) => sum + node.flat, 0);
  const nodeCutoff = Math.abs(Math.trunc(graphTotal * options.nodeFraction));
  const edgeCutoff = Math.abs(Math.trunc(graphTotal * options.edgeFraction));
  let droppedNodes = 0;
  if (nodeCutoff > 0) {
    const kept = nodes.filter((node) => Math.abs(node.cum) >= nodeCutoff);
    if (kept.length !== nodes.length) {
      droppedNodes = nodes.length - kept.length;
      nodes = rebuild(nodes, kept);
    }
  }
  const nodesBeforeCount = nodes.length;
  sortByEntropy(nodes);
  if (options.nodeCount > 0) {
    // Small labels and calls are left out before choosing: they would count against the nodes.
    trimTags(nodes, nodeCutoff);
    trimEdges(nodes, edgeCutoff);
    const top = topVisualNodes(nodes, options.nodeCount);
    if (top.length !== nodes.length) nodes = sortByEntropy(rebuild(nodes, top));
  }
  trimTags(nodes, nodeCutoff);
  const droppedEdges = trimEdges(nodes, edgeCutoff);
  removeRedundantEdges(nodes);
  return { nodes, nodesBeforeCount, droppedNodes, droppedEdges, graphTotal };
}

/**
 * The tree without the nodes not kept: a left-out node's children become its parent's, by calls
 * marked as passing over left-out nodes (inlined if both calls were), and a left-out root's
 * children become roots.
 */
function cutTree(nodes: readonly GraphNode[], kept: ReadonlySet<GraphNode>): GraphNode[] {
  const left: GraphNode[] = [];
  for (const node of nodes) {
    if (kept.has(node)) {
      left.push(node);
      continue;
    }
    const [call] = node.in.values();
    if (!call) {
      for (const edge of node.out.values()) edge.dest.in.delete(node);
      continue;
    }
    const parent = call.src;
    parent.out.delete(node);
    for (const edge of node.out.values()) {
      const child = edge.dest;
      child.in.delete(node);
      const joined: GraphEdge = { ...edge, src: parent, residual: true, inline: call.inline && edge.inline };
      child.in.set(parent, joined);
      parent.out.set(child, joined);
    }
  }
  return left;
}

/** The first nodes, up to nodeCount counting each node's labels (up to MAX_NODELETS) as nodes too. */
function topVisualNodes(nodes: GraphNode[], nodeCount: number): GraphNode[] {
  let count = 0;
  for (const [i, node] of nodes.entries()) {
    count += Math.min(flatTagCount(node), MAX_NODELETS) + 1;
    if (count >= nodeCount) return nodes.slice(0, i + 1);
  }
  return nodes.slice(0, nodeCount);
}

function flatTagCount(node: GraphNode): number {
  if (!node.tags) return 0;
  let count = 0;
  for (const tag of node.tags.labels.values()) if (tag.flat !== 0) count++;
  for (const tags of node.tags.numeric.values()) for (const tag of tags.values()) if (tag.flat !== 0) count++;
  return count;
}

function trimTags(nodes: readonly GraphNode[], cutoff: number): void {
  const trim = (tags: Map<string, GraphTag>) => {
    for (const [name, tag] of tags) if (Math.abs(tag.flat) < cutoff && Math.abs(tag.cum) < cutoff) tags.delete(name);
  };
  for (const node of nodes) {
    if (!node.tags) continue;
    trim(node.tags.labels);
    for (const tags of node.tags.numeric.values()) trim(tags);
  }
}

/** Drops the calls lighter than cutoff; returns how many. */
function trimEdges(nodes: readonly GraphNode[], cutoff: number): number {
  let dropped = 0;
  for (const node of nodes) {
    for (const [src, edge] of node.in) {
      if (Math.abs(edge.weight) >= cutoff) continue;
      node.in.delete(src);
      src.out.delete(node);
      dropped++;
    }
  }
  return dropped;
}

/**
 * Drops calls that pass over left-out nodes where the callee can be reached from the caller
 * another way, lightest first, and only those lighter than every direct call into the node.
 */
function removeRedundantEdges(nodes: readonly GraphNode[]): void {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const incoming = sortEdges(nodes[i]!.in.values());
    for (let j = incoming.length - 1; j >= 0; j--) {
      const edge = incoming[j]!;
      if (!edge.residual) break;
      if (!reachableWithout(edge)) continue;
      edge.src.out.delete(edge.dest);
      edge.dest.in.delete(edge.src);
    }
  }
}

/** Whether edge.dest can be reached from edge.src by other calls. */
function reachableWithout(edge: GraphEdge): boolean {
  const seen = new Set<GraphNode>([edge.dest]);
  const queue = [edge.dest];
  for (let next = 0; next < queue.length; next++) {
    for (const caller of queue[next]!.in.values()) {
      if (caller === edge || seen.has(caller.src)) continue;
      if (caller.src === edge.src) return true;
      seen.add(caller.src);
      queue.push(caller.src);
    }
  }
  return false;
}

/**
 * A node's worth in a drawing: its cum weighted by how much its calls branch (the entropy of
 * the weights coming in and going out, entry and leaf nodes favoured), plus its flat. As a
 * 64-bit integer computed as go tool pprof computes it on amd64, so that diff profiles (whose
 * negative weights can make the entropy not a number) order their nodes as it does.
 */
function entropyScore(node: GraphNode): bigint {
  let score = 0;
  score += node.in.size === 0 ? 1 : edgeEntropy(node.in.values(), 0);
  score += node.out.size === 0 ? 1 : edgeEntropy(node.out.values(), node.flat);
  return BigInt.asIntN(64, toInt64(score * node.cum) + BigInt(node.flat));
}

const MIN_INT64 = -(2n ** 63n);
/** A float converted to int64 as amd64 converts it: not a number, or out of range, is the smallest int64. */
const toInt64 = (value: number) => (Number.isFinite(value) && Math.abs(value) < 2 ** 63 ? BigInt(Math.trunc(value)) : MIN_INT64);
/** An int64's magnitude, which for the smallest int64 is itself, as in Go. */
const abs64 = (value: bigint) => (value < 0n ? BigInt.asIntN(64, -value) : value);

function edgeEntropy(edges: Iterable<GraphEdge>, self: number): number {
  const weights = [...edges].map((edge) => edge.weight);
  let total = self;
  for (const weight of weights) if (weight > 0) total += Math.abs(weight);
  if (total === 0) return 0;
  let score = 0;
  const add = (part: number) => {
    const fraction = Math.abs(part) / total;
    score += -fraction * Math.log2(fraction);
  };
  for (const weight of weights) add(weight);
  if (self > 0) add(self);
  return score;
}

/** The text a node's info prints as in Go, the last tie-break of go tool pprof's orders. */
const infoText = (info: NodeInfo) => `{${info.name}  ${info.address} ${info.file} ${info.startLine} ${info.line} ${info.objfile}}`;
const compareText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

function sortByEntropy(nodes: GraphNode[]): GraphNode[] {
  const scores = new Map(nodes.map((node) => [node, abs64(entropyScore(node))]));
  const names = new Map(nodes.map((node) => [node, printableName(node.info)]));
  const byScore = (a: GraphNode, b: GraphNode) => {
    const [x, y] = [scores.get(a)!, scores.get(b)!];
    return x > y ? -1 : x < y ? 1 : 0;
  };
  return nodes.sort(
    (a, b) =>
      byScore(a, b) || compareText(names.get(a)!, names.get(b)!) || Math.abs(b.flat) - Math.abs(a.flat) || compareText(infoText(a.info), infoText(b.info)),
  );
}

/** The graph -dot draws, the unit its values print in, and its legend's lines. */
function drawnGraph(profile: Profile, options: DotOptions): { graph: VisualGraph; view: ValueFormat; legend: string[] } {
  const view = valueFormat(profile, options.sampleIndex, options.total);
  const nodeFraction = options.nodeFraction ?? NODE_FRACTION;
  const edgeFraction = options.edgeFraction ?? EDGE_FRACTION;
  const nodeCount = options.nodeCount ?? GRAPH_NODE_COUNT;
  const graph = visualGraph(profile, {
    sampleIndex: options.sampleIndex,
    granularity: options.granularity ?? 'functions',
    nodeFraction,
    edgeFraction,
    nodeCount,
    callTree: options.callTree,
    paths: options.paths,
  });
  chooseOutputUnit(view, graph.nodes, options.unit);
  const legend = reportHeader(profile, view, graph, {
    activeFilters: options.activeFilters,
    nodeFraction,
    // The count shown: labels counted as nodes may have left fewer than asked.
    nodeCount: graph.nodes.length,
    droppedEdges: { count: graph.droppedEdges, edgeFraction },
  });
  return { graph, view, legend };
}

/** The call graph as the web UI's Graph view draws it: the nodes and calls -dot draws. */
export function graphView(profile: Profile, options: DotOptions): GraphView {
  const { graph, view, legend } = drawnGraph(profile, options);
  const index = new Map(graph.nodes.map((node, i) => [node, i]));
  return {
    legend,
    total: view.total,
    unit: view.unit,
    outputUnit: view.outputUnit,
    nodes: graph.nodes.map((node) => ({ name: printableName(node.info), flat: node.flat, cum: node.cum })),
    edges: sortEdges(graph.nodes.flatMap((node) => [...node.out.values()])).map((edge) => ({
      src: index.get(edge.src)!,
      dest: index.get(edge.dest)!,
      weight: edge.weight,
      residual: edge.residual,
      inline: edge.inline,
    })),
  };
}

/** The dot text of `go tool pprof -dot`. */
export function dotReport(profile: Profile, options: DotOptions): string {
  const { graph, view, legend } = drawnGraph(profile, options);
  legend.push('\nSee https://git.io/JfYMW for how to read the graph');
  const filename = profile.mappings[0]?.filename;
  const title = filename ? filename.split('/').pop()! : '';
  const lines = [`digraph "${title || 'unnamed'}" {`, 'node [style=filled fillcolor="#f8f8f8"]'];
  lines.push(
    `subgraph cluster_L { "${escapeForDot(legend[0]!)}" [shape=box fontsize=16 label="${legend.map(escapeForDot).join('\\l')}\\l"${title ? ` tooltip="${title}"` : ''}] }`,
  );
  const ids = new Map(graph.nodes.map((node, i) => [node, i + 1]));
  const maxFlat = graph.nodes.reduce((max, node) => Math.max(max, Math.abs(node.flat)), 0);
  const withNodelets = new Set<GraphNode>();
  for (const node of graph.nodes) {
    const id = ids.get(node)!;
    lines.push(nodeLine(node, id, maxFlat, view));
    const nodelets = nodeletLines(node, id, view);
    if (nodelets.length > 0) withNodelets.add(node);
    lines.push(...nodelets);
  }
  for (const edge of sortEdges(graph.nodes.flatMap((node) => [...node.out.values()])))
    lines.push(edgeLine(edge, ids.get(edge.src)!, ids.get(edge.dest)!, withNodelets.has(edge.src), view));
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function nodeLine(node: GraphNode, id: number, maxFlat: number, view: ValueFormat): string {
  const { flat, cum } = node;
  const share = (value: number) => percentage(value, view.total).trim();
  const flatText = view.format(flat);
  let label = multilineName(node.info) + (flat !== 0 ? `${flatText} (${share(flat)})` : '0');
  let cumText = flatText;
  if (cum !== flat) {
    cumText = view.format(cum);
    label += `${flat !== 0 ? '\\n' : ' '}of ${cumText} (${share(cum)})`;
  }
  // Fonts from 8 to 24 points, growing with the square root of the flat share of the largest.
  let fontSize = 8;
  if (maxFlat !== 0 && flat !== 0 && Math.abs(flat) <= maxFlat) fontSize += Math.ceil(16 * Math.sqrt(Math.abs(flat) / maxFlat));
  const score = cum / Math.abs(view.total);
  return `N${id} [label="${label}" id="node${id}" fontsize=${fontSize} shape=box tooltip="${escapeForDot(printableName(node.info))} (${cumText})" color="${dotColor(score, false)}" fillcolor="${dotColor(score, true)}"]`;
}

/** The boxes under a node for its labels: the heaviest four text label sets, and numeric values in up to four ranges. */
function nodeletLines(node: GraphNode, id: number, view: ValueFormat): string[] {
  if (!node.tags) return [];
  // A leaf shows what its labels carry in all (calls below it may have been left out), others their own.
  const flatTags = node.out.size > 0;
  const lines: string[] = [];
  const labels = sortTags([...node.tags.labels.values()], flatTags).slice(0, MAX_NODELETS);
  for (const [i, tag] of labels.entries()) {
    const weight = flatTags ? tag.flat : tag.cum;
    if (weight === 0) continue;
    const text = view.format(weight);
    lines.push(`N${id}_${i} [label = "${tag.name}" id="N${id}_${i}" fontsize=8 shape=box3d tooltip="${text}"]`);
    lines.push(`N${id} -> N${id}_${i} [label=" ${text}" weight=100 tooltip="${text}" labeltooltip="${text}"]`);
    const numeric = node.tags.numeric.get(tag.name);
    if (numeric && numeric.size > 0) lines.push(...numericNodelets([...numeric.values()], flatTags, `N${id}_${i}`, view));
  }
  const unlabelled = node.tags.numeric.get('');
  if (unlabelled && unlabelled.size > 0) lines.push(...numericNodelets([...unlabelled.values()], flatTags, `N${id}`, view));
  return lines;
}

function numericNodelets(tags: GraphTag[], flatTags: boolean, source: string, view: ValueFormat): string[] {
  const lines: string[] = [];
  for (const [j, tag] of collapsedTags(tags, flatTags).entries()) {
    const own = flatTags || tag.flat === tag.cum;
    const weight = own ? tag.flat : tag.cum;
    if (weight === 0) continue;
    const text = view.format(weight);
    lines.push(`N${source}_${j} [label = "${tag.name}" id="N${source}_${j}" fontsize=8 shape=box3d tooltip="${text}"]`);
    lines.push(`${source} -> N${source}_${j} [label=" ${text}" weight=100 tooltip="${text}" labeltooltip="${text}"${own ? '' : ' style="dotted"'}]`);
  }
  return lines;
}

/** Tags by weight (cum first unless flatTags), then name; a tie is decided by the values, not their magnitudes, as in Go. */
function sortTags(tags: GraphTag[], flatTags: boolean): GraphTag[] {
  return tags.sort((a, b) => {
    if (!flatTags && a.cum !== b.cum) return Math.abs(b.cum) - Math.abs(a.cum);
    if (a.flat !== b.flat) return Math.abs(b.flat) - Math.abs(a.flat);
    return compareText(a.name, b.name);
  });
}

/** Numeric tags in at most MAX_NODELETS groups: the heaviest, each joined by the values nearest it. */
function collapsedTags(tags: GraphTag[], flatTags: boolean): GraphTag[] {
  sortTags(tags, flatTags);
  if (tags.length <= MAX_NODELETS) return tags;
  const groups = tags.slice(0, MAX_NODELETS).map((tag) => [tag]);
  const distance = (tag: GraphTag, other: GraphTag) => Math.abs(tag.value - scale(other.value, other.unit, tag.unit)[0]);
  for (const tag of tags.slice(MAX_NODELETS)) {
    let nearest = 0;
    let best = distance(tag, groups[0]![0]!);
    for (let i = 1; i < groups.length; i++) {
      const d = distance(tag, groups[i]![0]!);
      if (d < best) [nearest, best] = [i, d];
    }
    groups[nearest]!.push(tag);
  }
  return sortTags(groups.map(groupTag), flatTags);
}

/** A group of numeric tags as one: `min..max`, with their weights summed. */
function groupTag(group: GraphTag[]): GraphTag {
  const first = group[0]!;
  if (group.length === 1) return { ...first, name: scaledLabel(first.value, first.unit, 'auto') };
  let [min, max] = [first, first];
  let [flat, cum] = [first.flat, first.cum];
  for (const tag of group.slice(1)) {
    if (Math.trunc(scale(tag.value, tag.unit, min.unit)[0]) < min.value) min = tag;
    if (Math.trunc(scale(tag.value, tag.unit, max.unit)[0]) > max.value) max = tag;
    flat += tag.flat;
    cum += tag.cum;
  }
  return { name: `${scaledLabel(min.value, min.unit, 'auto')}..${scaledLabel(max.value, max.unit, 'auto')}`, unit: '', value: 0, flat, cum };
}

function edgeLine(edge: GraphEdge, from: number, to: number, sourceHasNodelets: boolean, view: ValueFormat): string {
  const text = view.format(edge.weight);
  let attributes = `label=" ${text}${edge.inline ? '\\n (inline)' : ''}"`;
  if (view.total !== 0) {
    // Integer shares of the total, as Go's int64 arithmetic computes them.
    const share = (parts: number) => {
      const value = Number((BigInt(Math.trunc(edge.weight)) * BigInt(parts)) / BigInt(Math.trunc(view.total)));
      return Math.min(Math.abs(value), parts);
    };
    const weight = 1 + share(100);
    if (weight > 1) attributes += ` weight=${weight}`;
    const width = 1 + share(5);
    if (width > 1) attributes += ` penwidth=${width}`;
    attributes += ` color="${dotColor(edge.weight / Math.abs(view.total), false)}"`;
  }
  const tooltip = `"${escapeForDot(printableName(edge.src.info))} ${edge.residual ? '...' : '->'} ${escapeForDot(printableName(edge.dest.info))} (${text})"`;
  attributes += ` tooltip=${tooltip} labeltooltip=${tooltip}`;
  if (edge.residual) attributes += ' style="dotted"';
  if (sourceHasNodelets) attributes += ' minlen=2';
  return `N${from} -> N${to} [${attributes}]`;
}

/** A node's name over several lines: shortened, split at `::` and `.`, its file without directories. */
function multilineName(info: NodeInfo): string {
  const name = escapeForDot(shortFunctionName(info.name)).replaceAll('::', '\\n').replaceAll('[...]', '[…]').replaceAll('.', '\\n');
  const file = info.file ? info.file.split('/').pop()! : '';
  return `${nameComponents({ ...info, name, file }).join('\\n')}\\n`;
}

/** A function's name without its package path, Java package, C++ namespaces or module version. */
export function shortFunctionName(name: string): string {
  const shortened = name.replace(/^\(anonymous namespace\)::/, '').replace(/^(.*?)\/v(?:[2-9]|[1-9][0-9]+)([./].*)$/, '$1$2');
  for (const pattern of SHORTENERS) {
    const match = pattern.exec(shortened);
    if (match && match.length >= 2) return match.slice(1).join('');
  }
  return shortened;
}

const SHORTENERS = [
  // Go: the package path before the last slash.
  /^(?:[\w\-.]+\/)+(.+)/,
  // Java: the package, and the arguments.
  /^(?:[a-z]\w*\.)*([A-Z][\w$]*\.(?:<init>|[a-z][\w$]*(?:\$\d+)?))(?:\(|$)/,
  // C++: the namespaces before a class.
  /^(?:[_a-zA-Z]\w*::)+(_*[A-Z]\w*::~?[_a-zA-Z]\w*(?:<.*>)?)/,
];

/** Quotes and backslashes escaped for a dot string, line ends as left-justified line breaks. */
function escapeForDot(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\l');
}

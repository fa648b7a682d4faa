import type { Profile } from '../pprof/index.ts';
import { printableName, trimmedGraph, type Granularity, type GraphNode, type TrimmedGraph } from './graph.ts';
import { percentage, scale, scaledLabel } from './measurement.ts';
import type { SourcePaths } from './source-path.ts';
import { profileTime } from './time.ts';

export interface TopOptions {
  sampleIndex: number;
  /** 0 for every node (go tool pprof -top), 10 for the interactive `top`. */
  nodeCount?: number;
  nodeFraction?: number;
  edgeFraction?: number;
  cum?: boolean;
  granularity?: Granularity;
  /** The unit values print in (-unit): "minimum" (the default) picks one for the report, "auto" one per value. */
  unit?: string;
  /** -source_path and -trim_path: what file names are shortened to. */
  paths?: SourcePaths;
  /** The filters applied to the profile, as `name=value`, listed under "Active filters:". */
  activeFilters?: readonly string[];
  /** What percentages are of: by default the profile's total, given when filters removed samples. */
  total?: number;
  /** Leaves out the profile's own lines (file, type, time), as the interactive mode does. */
  compact?: boolean;
}

/** go tool pprof's default shares of the total below which a node or an edge is left out. */
export const NODE_FRACTION = 0.005;
export const EDGE_FRACTION = 0.001;

/** A report's view of one sample type: its name, unit, the total, and how values print. */
export interface ValueFormat {
  readonly type: string;
  readonly unit: string;
  readonly total: number;
  outputUnit: string;
  format(value: number): string;
}

/**
 * The total of one sample type, what a report's percentages are of. go tool pprof takes it before
 * applying -focus and the other filters, so a focused report shows its share of the whole.
 */
export function sampleTotal(profile: Profile, sampleIndex: number): number {
  return profile.samples.reduce((sum, sample) => sum + Math.abs(sample.values[sampleIndex] ?? 0), 0);
}

export function valueFormat(profile: Profile, sampleIndex: number, total = sampleTotal(profile, sampleIndex)): ValueFormat {
  const { type, unit } = profile.sampleTypes[sampleIndex]!;
  const view: ValueFormat = {
    type,
    unit,
    total,
    outputUnit: unit,
    format: (value) => scaledLabel(value, unit, view.outputUnit),
  };
  return view;
}

/**
 * Picks the unit the rows print in, as go tool pprof does: the unit of the smallest value
 * shown, or a larger one when that would print the total in a much smaller unit. `requested`
 * is -unit's value ('minimum' when not given); `wholeValues` keeps the smallest value's unit for
 * a report that prints whole numbers (callgrind).
 */
export function chooseOutputUnit(view: ValueFormat, nodes: readonly GraphNode[], requested = 'minimum', wholeValues = false): void {
  if (requested !== 'minimum') {
    view.outputUnit = requested;
    return;
  }
  let min = 0;
  for (const node of nodes) {
    const value = Math.abs(node.flat) || Math.abs(node.cum);
    if (value > 0 && (min === 0 || value < min)) min = value;
  }
  const max = view.total;
  if (min === 0) min = max;
  const [, minUnit] = scale(min, view.unit, 'minimum');
  const [, maxUnit] = scale(max, view.unit, 'minimum');
  let unit = minUnit;
  // A report of whole numbers (callgrind) keeps the smallest value's unit: it cannot print 0.01.
  if (minUnit !== maxUnit && min * 100 < max && !wholeValues) [, unit] = scale(100 * min, view.unit, 'minimum');
  view.outputUnit = unit || view.unit;
}

/** The lines that head every report: file, comments, type, time, duration and total. */
export function profileLabels(profile: Profile, view: ValueFormat): string[] {
  const labels: string[] = [];
  const mapping = profile.mappings[0];
  if (mapping) {
    if (mapping.filename) labels.push(`File: ${mapping.filename.split('/').pop()}`);
    if (mapping.buildId) labels.push(`Build ID: ${mapping.buildId}`);
  }
  for (const comment of profile.comments) if (!comment.startsWith('#')) labels.push(comment);
  if (view.type) labels.push(`Type: ${view.type}`);
  if (profile.timeNanos !== 0n) labels.push(`Time: ${profileTime(Number(profile.timeNanos))}`);
  const durationNanos = profile.durationNanos;
  if (durationNanos !== 0) {
    const [totalNanos, totalUnit] = scale(view.total, view.unit, 'nanoseconds');
    const ratio = totalUnit === 'ns' && totalNanos !== 0 ? `(${percentage(totalNanos, durationNanos)})` : '';
    labels.push(`Duration: ${scaledLabel(durationNanos, 'nanoseconds', 'auto')}, Total samples = ${view.format(view.total)} ${ratio}`);
  }
  return labels;
}

/** A text report's header: the profile's lines, active filters, and what the graph shows and leaves out. */
export function reportHeader(
  profile: Profile,
  view: ValueFormat,
  graph: TrimmedGraph,
  options: {
    activeFilters?: readonly string[];
    nodeFraction: number;
    nodeCount: number;
    compact?: boolean;
    /** The call graph tells of the calls it dropped too. */
    droppedEdges?: { count: number; edgeFraction: number };
  },
): string[] {
  const shown = graph.nodes.reduce((sum, node) => sum + node.flat, 0);
  const lines = options.compact ? [] : profileLabels(profile, view);
  if (options.activeFilters?.length) {
    lines.push('Active filters:', ...options.activeFilters.map((filter) => `   ${filter.length > 80 ? `${filter.slice(0, 80)}…` : filter}`));
  }
  lines.push(`Showing nodes accounting for ${view.format(shown)}, ${percentage(shown, view.total).trim()} of ${view.format(view.total)} total`);
  if (view.total !== 0) {
    if (graph.droppedNodes > 0) {
      const noun = graph.droppedNodes > 1 ? 'nodes' : 'node';
      lines.push(`Dropped ${graph.droppedNodes} ${noun} (cum <= ${view.format(Math.abs(Math.trunc(view.total * options.nodeFraction)))})`);
    }
    const { droppedEdges } = options;
    if (droppedEdges && droppedEdges.count > 0) {
      const noun = droppedEdges.count > 1 ? 'edges' : 'edge';
      lines.push(`Dropped ${droppedEdges.count} ${noun} (freq <= ${view.format(Math.abs(Math.trunc(view.total * droppedEdges.edgeFraction)))})`);
    }
    if (options.nodeCount > 0 && options.nodeCount < graph.nodesBeforeCount)
      lines.push(`Showing top ${options.nodeCount} nodes out of ${graph.nodesBeforeCount}`);
  }
  return lines;
}

/** What -top shows: the trimmed graph, its rows' unit chosen, and the header lines above the rows. */
export interface TopGraph {
  view: ValueFormat;
  graph: TrimmedGraph;
  header: string[];
}

/** The nodes -top lists, in its order, and its header: what the text report and the web UI's Top view both show. */
export function topGraph(profile: Profile, options: TopOptions): TopGraph {
  const view = valueFormat(profile, options.sampleIndex, options.total);
  const nodeFraction = options.nodeFraction ?? NODE_FRACTION;
  const nodeCount = options.nodeCount ?? 0;
  const graph = trimmedGraph(profile, {
    sampleIndex: options.sampleIndex,
    granularity: options.granularity ?? 'functions',
    nodeFraction,
    edgeFraction: options.edgeFraction ?? EDGE_FRACTION,
    nodeCount,
    cum: options.cum ?? false,
    paths: options.paths,
    // Calls are read only for the (inline) marks: a profile without inlined frames has none.
    edges: profile.locations.some((location) => location.lines.length > 1),
  });
  chooseOutputUnit(view, graph.nodes, options.unit);
  const header = reportHeader(profile, view, graph, { activeFilters: options.activeFilters, nodeFraction, nodeCount, compact: options.compact });
  return { view, graph, header };
}

/**
 * Whether a node's calls were inlined, as -top marks it after the name and the web UI's Top view
 * in its own column: "(inline)" when every call to it was, "(partial-inline)" when some were, else "".
 */
export function inlineLabel(node: GraphNode): InlineLabel {
  let inlined = false;
  let called = false;
  for (const edge of node.in.values()) {
    if (edge.inline) inlined = true;
    else called = true;
  }
  return inlined ? (called ? '(partial-inline)' : '(inline)') : '';
}
export type InlineLabel = '' | '(inline)' | '(partial-inline)';

/** A node's name as -top prints it: with its inlineLabel, if any, after a space. */
export function topName(node: GraphNode): string {
  const inline = inlineLabel(node);
  return inline ? `${printableName(node.info)} ${inline}` : printableName(node.info);
}

/** The text of `go tool pprof -top`: header lines, then flat flat% sum% cum cum% name rows. */
export function topReport(profile: Profile, options: TopOptions): string {
  const { view, graph, header } = topGraph(profile, options);
  const lines = header;
  lines.push(`${'flat'.padStart(10)} ${'flat'.padStart(5)}% ${'sum'.padStart(5)}% ${'cum'.padStart(10)} ${'cum'.padStart(5)}%`);
  let sum = 0;
  for (const node of graph.nodes) {
    sum += node.flat;
    lines.push(
      `${view.format(node.flat).padStart(10)} ${percentage(node.flat, view.total)} ${percentage(sum, view.total)} ${view.format(node.cum).padStart(10)} ${percentage(node.cum, view.total)}  ${topName(node)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

import type { Profile } from '../pprof/index.ts';
import { printableName, sortEdges, trimmedGraph } from './graph.ts';
import { NoMatchError } from './list.ts';
import { percentage } from './measurement.ts';
import { EDGE_FRACTION, NODE_FRACTION, chooseOutputUnit, reportHeader, valueFormat, type TopOptions } from './top.ts';

const SEPARATOR = '----------------------------------------------------------+-------------';
const LEGEND = '      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ';

export interface TreeOptions
  extends Pick<
    TopOptions,
    'sampleIndex' | 'nodeCount' | 'nodeFraction' | 'edgeFraction' | 'granularity' | 'unit' | 'paths' | 'cum' | 'activeFilters' | 'total' | 'compact'
  > {
  /** -peek: only the functions it matches, with every caller and callee, nothing trimmed. */
  symbol?: RegExp;
}

/** -tree shows at most this many nodes unless -nodecount says otherwise, as go tool pprof. */
export const TREE_NODE_COUNT = 80;

/**
 * The text of `go tool pprof -tree` and `-peek REGEX`: each function with its callers above it
 * and its callees below, every call with its weight and its share of the function's cum.
 */
export function treeReport(profile: Profile, options: TreeOptions): string {
  const { symbol } = options;
  const view = valueFormat(profile, options.sampleIndex, options.total);
  // A peek is of the whole graph; a tree leaves out the small nodes and calls, as -top does.
  const nodeFraction = symbol ? 0 : (options.nodeFraction ?? NODE_FRACTION);
  const nodeCount = symbol ? 0 : (options.nodeCount ?? TREE_NODE_COUNT);
  const graph = trimmedGraph(profile, {
    sampleIndex: options.sampleIndex,
    granularity: options.granularity ?? 'functions',
    nodeFraction,
    edgeFraction: symbol ? 0 : (options.edgeFraction ?? EDGE_FRACTION),
    nodeCount,
    cum: options.cum ?? false,
    paths: options.paths,
    edges: true,
  });
  const matched = symbol ? graph.nodes.filter((node) => symbol.test(printableName(node.info))) : graph.nodes;
  if (symbol && matched.length === 0)
    throw new NoMatchError(`no function matches ${symbol.source}: -peek takes a regular expression on function names (see -top for them)`);
  chooseOutputUnit(view, graph.nodes, options.unit);
  const lines = reportHeader(profile, view, graph, { activeFilters: options.activeFilters, nodeFraction, nodeCount, compact: options.compact });
  lines.push(SEPARATOR, LEGEND);
  const call = (weight: number, cum: number, name: string, inline: boolean) =>
    `${view.format(weight).padStart(50)} ${percentage(weight, cum)} |   ${name}${inline ? ' (inline)' : ''}`;
  let flatSum = 0;
  for (const node of matched) {
    lines.push(SEPARATOR);
    for (const edge of sortEdges(node.in.values())) lines.push(call(edge.weight, node.cum, printableName(edge.src.info), edge.inline));
    flatSum += node.flat;
    lines.push(
      `${view.format(node.flat).padStart(10)} ${percentage(node.flat, view.total)} ${percentage(flatSum, view.total)} ${view.format(node.cum).padStart(10)} ${percentage(node.cum, view.total)}                | ${printableName(node.info)}`,
    );
    for (const edge of sortEdges(node.out.values())) lines.push(call(edge.weight, node.cum, printableName(edge.dest.info), edge.inline));
  }
  if (graph.nodes.length > 0) lines.push(SEPARATOR);
  return `${lines.join('\n')}\n`;
}

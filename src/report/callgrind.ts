import type { Profile } from '../pprof/index.ts';
import { buildCallTree, buildGraph, sortEdges, sortNodes, type GraphNode, type NodeInfo } from './graph.ts';
import { scale } from './measurement.ts';
import { chooseOutputUnit, valueFormat } from './top.ts';

/**
 * The profile in the callgrind format that KCachegrind and QCachegrind read, as `go tool
 * pprof -callgrind` writes it: every instruction address (and inlined line) as a cost line
 * under its binary, file and function, each call below its caller with its weight. Names are
 * numbered the first time they appear and given by number after; nothing is trimmed.
 */
export function callgrindReport(profile: Profile, sampleIndex: number, options: { total?: number; callTree?: boolean } = {}): string {
  const view = valueFormat(profile, sampleIndex, options.total);
  // -call_tree: a node per calling context, each context's functions told apart by name.
  const graph = options.callTree
    ? buildCallTree(profile, sampleIndex, 'addresses', { objNames: true })
    : buildGraph(profile, sampleIndex, 'addresses', { objNames: true, edges: true });
  const nodes = sortNodes(graph, false);
  // With nothing to show, go tool pprof leaves the unit as it was asked for.
  if (nodes.length > 0) chooseOutputUnit(view, nodes, 'minimum', true);
  else view.outputUnit = 'minimum';
  const inOutputUnit = (value: number) => Math.trunc(scale(value, view.unit, view.outputUnit)[0]);
  const calleeNames = disambiguatedNames(nodes);
  const lines = ['positions: instr line', `events: ${view.type}(${view.outputUnit})`];
  const [objfiles, files, names] = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
  let previous: NodeInfo | undefined;
  for (const node of nodes) {
    const { info } = node;
    if (!previous || info.objfile !== previous.objfile || info.file !== previous.file || info.name !== previous.name)
      lines.push('', `ob=${compressedName(objfiles, info.objfile)}`, `fl=${compressedName(files, info.file)}`, `fn=${compressedName(names, info.name)}`);
    lines.push(`${position(previous, info.address)} ${info.line} ${inOutputUnit(node.flat)}`);
    for (const edge of sortEdges(node.out.values())) {
      const callee = edge.dest;
      lines.push(`cfl=${compressedName(files, callee.info.file)}`, `cfn=${compressedName(names, calleeNames.get(callee)!)}`);
      // Positions of calls are relative to the previous cost line's, as go tool pprof writes them.
      lines.push(`calls=0 ${position(previous, callee.info.address)} ${callee.info.line}`, `* * ${inOutputUnit(edge.weight)}`);
    }
    previous = info;
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Callgrind merges what has the same file and function name: nodes of different functions
 * under one name (other binaries, other first lines) are told apart by a ` [i/n]` suffix.
 */
function disambiguatedNames(nodes: readonly GraphNode[]): Map<GraphNode, string> {
  // In a call tree, the same function called from two places is two functions.
  const caller = (node: GraphNode) => {
    const [call] = node.in.values();
    return call ? call.src.key : '';
  };
  const functionKey = (node: GraphNode) => {
    const { name, file, objfile, startLine } = node.info;
    return `${name}\0${file}\0${objfile}\0${startLine}\0${node.key.startsWith('tree ') ? caller(node) : ''}`;
  };
  const functionsByName = new Map<string, Map<string, number>>();
  const nameKey = (info: NodeInfo) => `${info.file}\0${info.name}`;
  for (const node of nodes) {
    let functions = functionsByName.get(nameKey(node.info));
    if (!functions) functionsByName.set(nameKey(node.info), (functions = new Map()));
    if (!functions.has(functionKey(node))) functions.set(functionKey(node), functions.size);
  }
  const names = new Map<GraphNode, string>();
  for (const node of nodes) {
    const functions = functionsByName.get(nameKey(node.info))!;
    const suffix = functions.size > 1 ? ` [${functions.get(functionKey(node))! + 1}/${functions.size}]` : '';
    names.set(node, node.info.name + suffix);
  }
  return names;
}

/** `(N) name` the first time a name is used, `(N)` after; nothing for no name. */
function compressedName(numbers: Map<string, number>, name: string): string {
  if (name === '') return '';
  const known = numbers.get(name);
  if (known !== undefined) return `(${known})`;
  numbers.set(name, numbers.size + 1);
  return `(${numbers.size}) ${name}`;
}

/** An address in hex, or as a signed offset from the previous one when that is shorter (`*` when the same). */
function position(previous: NodeInfo | undefined, address: bigint): string {
  const absolute = `0x${address.toString(16)}`;
  if (!previous) return absolute;
  if (previous.address === address) return '*';
  const difference = BigInt.asIntN(64, address - previous.address);
  const relative = difference < 0n ? `${difference}` : `+${difference}`;
  return relative.length < absolute.length ? relative : absolute;
}

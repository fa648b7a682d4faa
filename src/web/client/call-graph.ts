/**
 * The web UI's Graph view: the call graph (the nodes and calls -dot draws) laid out in the page,
 * with no Graphviz. Callers above callees in layers (a node one layer below the deepest of its
 * callers; calls back up a cycle are drawn but do not place nodes), each layer ordered by where
 * its callers are so that calls cross less. Boxes grow with flat, colours with cum, calls thicken
 * with their weight; calls that pass over left-out nodes are dashed.
 */
import { dotColor } from '../../report/graph-colour.ts';
import { percentage, scaledLabel } from '../../report/measurement.ts';
import type { GraphView } from '../../report/views.ts';

const SVG = 'http://www.w3.org/2000/svg';
const GAP_X = 28;
const GAP_Y = 64;
const PAD = 16;
const MAX_NAME = 42;

export interface CallGraphOptions {
  /** The function selected, drawn outlined. */
  selected: string;
  onSelect(name: string): void;
}

interface Box {
  index: number;
  layer: number;
  lines: string[];
  fontSize: number;
  width: number;
  height: number;
  x: number;
  y: number;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const created = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) created.setAttribute(name, String(value));
  if (text !== undefined) created.textContent = text;
  return created;
}

/** Layers by the longest path from the roots, over the calls that do not go back up a cycle. */
function layers(graph: GraphView): number[] {
  const count = graph.nodes.length;
  const callees: number[][] = Array.from({ length: count }, () => []);
  const callers: number[] = new Array(count).fill(0);
  for (const edge of graph.edges) {
    callees[edge.src]!.push(edge.dest);
    callers[edge.dest]!++;
  }
  // Depth-first from the roots (then from whatever is left, in a cycle): calls to a node still
  // being walked go back up a cycle and are left out of the placing.
  const state: number[] = new Array(count).fill(0);
  const order: number[] = [];
  const forward: number[][] = Array.from({ length: count }, () => []);
  const starts = [...graph.nodes.keys()].sort((a, b) => Number(callers[a]! > 0) - Number(callers[b]! > 0));
  for (const start of starts) {
    if (state[start] !== 0) continue;
    const stack: [number, number][] = [[start, 0]];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [node, next] = top;
      if (next < callees[node]!.length) {
        top[1]++;
        const callee = callees[node]![next]!;
        if (state[callee] === 1) continue;
        forward[node]!.push(callee);
        if (state[callee] === 0) {
          state[callee] = 1;
          stack.push([callee, 0]);
        }
      } else {
        state[node] = 2;
        order.push(node);
        stack.pop();
      }
    }
  }
  const layer: number[] = new Array(count).fill(0);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    for (const callee of forward[node]!) layer[callee] = Math.max(layer[callee]!, layer[node]! + 1);
  }
  return layer;
}

function shortName(name: string): string {
  // Paths and packages say less than the function's own name, which is what fits in a box.
  const withoutPath = name.replace(/^(?:[\w\-.]+\/)+/, '');
  return withoutPath.length > MAX_NAME ? `${withoutPath.slice(0, MAX_NAME - 1)}…` : withoutPath;
}

/** Draws `graph` into `holder` as one SVG. */
export function drawCallGraph(holder: HTMLElement, graph: GraphView, options: CallGraphOptions): void {
  const format = (value: number) => scaledLabel(value, graph.unit, graph.outputUnit);
  const share = (value: number) => percentage(value, graph.total).trim();
  const layerOf = layers(graph);
  const maxFlat = Math.max(1, ...graph.nodes.map((node) => Math.abs(node.flat)));
  const boxes: Box[] = graph.nodes.map((node, index) => {
    const fontSize = 11 + Math.round(9 * Math.sqrt(Math.abs(node.flat) / maxFlat));
    const lines = [shortName(node.name), node.flat !== 0 ? `${format(node.flat)} (${share(node.flat)})` : '0'];
    if (node.cum !== node.flat) lines.push(`of ${format(node.cum)} (${share(node.cum)})`);
    const longest = Math.max(...lines.map((line) => line.length));
    return { index, layer: layerOf[index]!, lines, fontSize, width: longest * fontSize * 0.6 + 16, height: lines.length * fontSize * 1.25 + 10, x: 0, y: 0 };
  });
  const rows: Box[][] = [];
  for (const box of boxes) (rows[box.layer] ??= []).push(box);
  // Each layer in the order of its callers' places above it (the heaviest nodes first at the top).
  const place = new Map<number, number>();
  const callersOf = new Map<number, number[]>();
  for (const edge of graph.edges)
    if (layerOf[edge.src]! < layerOf[edge.dest]!) (callersOf.get(edge.dest) ?? callersOf.set(edge.dest, []).get(edge.dest)!).push(edge.src);
  for (const row of rows) {
    if (!row) continue;
    // Places run from 0 to 1 across a row; a node without callers above keeps its place in the row.
    const centre = (box: Box, i: number) => {
      const above = (callersOf.get(box.index) ?? []).map((caller) => place.get(caller)).filter((x) => x !== undefined);
      return above.length > 0 ? above.reduce((sum, x) => sum + x, 0) / above.length : (i + 0.5) / row.length;
    };
    const centres = new Map(row.map((box, i) => [box, centre(box, i)]));
    row.sort((a, b) => centres.get(a)! - centres.get(b)! || a.index - b.index);
    for (const [i, box] of row.entries()) place.set(box.index, (i + 0.5) / row.length);
  }
  const rowWidth = (row: Box[]) => row.reduce((sum, box) => sum + box.width, 0) + GAP_X * (row.length - 1);
  const width = Math.max(...rows.filter(Boolean).map(rowWidth)) + 2 * PAD;
  let y = PAD;
  for (const row of rows) {
    if (!row) continue;
    let x = (width - rowWidth(row)) / 2;
    const height = Math.max(...row.map((box) => box.height));
    for (const box of row) {
      box.x = x;
      box.y = y + (height - box.height) / 2;
      x += box.width + GAP_X;
    }
    y += height + GAP_Y;
  }
  const height = y - GAP_Y + PAD;
  const drawing = svg('svg', { class: 'call-graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Call graph' });
  const defs = svg('defs');
  // One arrowhead size for every call: heavy calls' thick lines would blow up a stroke-scaled one.
  const arrow = svg('marker', {
    id: 'cg-arrow',
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 9,
    markerHeight: 9,
    markerUnits: 'userSpaceOnUse',
    orient: 'auto-start-reverse',
  });
  arrow.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'context-stroke' }));
  defs.append(arrow);
  drawing.append(defs);
  const edgeLayer = svg('g', { class: 'cg-edges' });
  for (const edge of [...graph.edges].reverse()) {
    const [from, to] = [boxes[edge.src]!, boxes[edge.dest]!];
    const [x1, y1] = [from.x + from.width / 2, from.y + from.height];
    const [x2, y2] = [to.x + to.width / 2, to.y];
    // A call back up a cycle leaves from the box's side and bends around.
    const back = to.layer <= from.layer;
    const bend = back ? Math.max(80, (y1 - y2) / 2) : (y2 - y1) / 2;
    const path = back
      ? `M${from.x + from.width},${from.y + from.height / 2} C${from.x + from.width + bend},${from.y + from.height / 2} ${to.x + to.width + bend},${to.y + to.height / 2} ${to.x + to.width},${to.y + to.height / 2}`
      : `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`;
    const weightShare = graph.total === 0 ? 0 : edge.weight / Math.abs(graph.total);
    const group = svg('g', { class: 'cg-edge' });
    group.append(
      svg(
        'title',
        {},
        `${graph.nodes[edge.src]!.name} ${edge.residual ? '…' : '→'} ${graph.nodes[edge.dest]!.name}: ${format(edge.weight)}${edge.inline ? ' (inline)' : ''}`,
      ),
      svg('path', {
        d: path,
        fill: 'none',
        stroke: dotColor(weightShare, false),
        'stroke-width': 1 + Math.min(5, Math.abs(weightShare) * 5),
        'stroke-dasharray': edge.residual ? '4 3' : 'none',
        'marker-end': 'url(#cg-arrow)',
      }),
    );
    // Labels sit past the middle, towards the callee, where calls fanning out of one box are apart.
    const t = 0.65;
    const along = (p0: number, p1: number, p2: number, p3: number) => (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3;
    const [lx, ly] = back
      ? [Math.max(from.x + from.width, to.x + to.width) + bend * 0.75, (from.y + to.y + to.height) / 2]
      : [along(x1, x1, x2, x2) + 4, along(y1, y1 + bend, y2 - bend, y2)];
    group.append(svg('text', { x: lx, y: ly, class: 'cg-weight' }, `${format(edge.weight)}${edge.inline ? ' (inline)' : ''}`));
    edgeLayer.append(group);
  }
  drawing.append(edgeLayer);
  for (const box of boxes) {
    const node = graph.nodes[box.index]!;
    const cumShare = graph.total === 0 ? 0 : node.cum / Math.abs(graph.total);
    const group = svg('g', { class: 'cg-node', tabindex: 0, 'data-name': node.name, role: 'button' });
    if (node.name === options.selected) group.classList.add('selected');
    group.append(
      svg('title', {}, `${node.name}\nflat ${format(node.flat)} (${share(node.flat)}), cum ${format(node.cum)} (${share(node.cum)})`),
      svg('rect', { x: box.x, y: box.y, width: box.width, height: box.height, rx: 3, fill: dotColor(cumShare, true), stroke: dotColor(cumShare, false) }),
    );
    box.lines.forEach((line, i) => {
      const size = i === 0 ? box.fontSize : Math.max(10, box.fontSize - 2);
      group.append(svg('text', { x: box.x + box.width / 2, y: box.y + 5 + box.fontSize * 1.25 * (i + 0.8), 'font-size': size, 'text-anchor': 'middle' }, line));
    });
    const select = () => options.onSelect(node.name);
    group.addEventListener('click', select);
    group.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        select();
      }
    });
    drawing.append(group);
  }
  holder.replaceChildren(drawing);
}

import type { Profile } from '../pprof/index.ts';
import { flameSubtree, flameTree, type FlameNode, type FlameTreeOptions } from './flamegraph.ts';
import { FLAME_PAPER, ROOT_COLOUR, changeColour, frameColour, frameWeight, labelInk } from './flame-style.ts';
import { escapeMarkup } from './markup.ts';
import { percentage, scaledLabel } from './measurement.ts';
import { profileLabels, valueFormat } from './top.ts';

const WIDTH = 1200;
const PAD = 10;
const FRAME_HEIGHT = 16;
const FONT_SIZE = 12;
/** About the width of one character of the 12 px sans-serif text, for fitting names in frames. */
const CHAR_WIDTH = 7;
/** Frames narrower than this many pixels are left out: they could not be seen or hovered. */
const MIN_WIDTH = 0.5;
const HEADER = 56;

export interface FlameSvgOptions {
  /** `flame` draws the root at the bottom, `icicle` at the top. */
  orientation?: 'flame' | 'icicle';
  /** Draw the tree of this function's callers instead (see flameTree). */
  callersOf?: string;
  /** Names from below the root to the frame to draw from, as the web UI zooms. */
  zoom?: readonly string[];
  /** How frames are named (see flameTree): by function unless given. */
  frameNames?: FlameTreeOptions['frameNames'];
}

/**
 * A flame graph as one self-contained SVG file (no scripts, fonts or links): each function as
 * wide as its share of the total, callers under callees (over them as an icicle). Hovering a
 * frame shows its name, its value and its share of the total (an SVG title). Against a base,
 * frames are coloured by how they changed.
 */
export function flameGraphSvg(profile: Profile, sampleIndex: number, options: FlameSvgOptions = {}): string {
  const view = valueFormat(profile, sampleIndex);
  view.outputUnit = 'minimum';
  const tree = flameTree(profile, sampleIndex, { callersOf: options.callersOf, frameNames: options.frameNames });
  const root = flameSubtree(tree, options.zoom ?? []) ?? tree;
  const diff = tree.base > 0;
  const percentOf = diff ? tree.base : Math.abs(tree.total);
  const rootWeight = frameWeight(root.total, root.base);
  const scale = rootWeight > 0 ? (WIDTH - 2 * PAD) / rootWeight : 0;
  const frames: { node: FlameNode; x: number; depth: number }[] = [];
  let maxDepth = 0;
  // Without recursion: a stack may be thousands of frames deep.
  const pending = rootWeight > 0 ? [{ node: root, x: PAD, depth: 0 }] : [];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, x, depth } = next;
    if (frameWeight(node.total, node.base) * scale < MIN_WIDTH) continue;
    frames.push(next);
    maxDepth = Math.max(maxDepth, depth);
    let offset = x;
    const children = node.children.map((child) => {
      const placed = { node: child, x: offset, depth: depth + 1 };
      offset += frameWeight(child.total, child.base) * scale;
      return placed;
    });
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }

  const height = HEADER + (maxDepth + 1) * FRAME_HEIGHT + PAD;
  const y = options.orientation === 'icicle' ? (depth: number) => HEADER + depth * FRAME_HEIGHT : (depth: number) => height - PAD - (depth + 1) * FRAME_HEIGHT;
  const subtitle = profileLabels(profile, view)
    .filter((line) => /^(File|Type|Duration):/.test(line))
    .join(' · ');
  const what = options.callersOf !== undefined ? `Callers of ${options.callersOf}` : options.orientation === 'icicle' ? 'Icicle graph' : 'Flame graph';
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="${FONT_SIZE}">`,
    `<rect width="100%" height="100%" fill="${FLAME_PAPER}"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="16">${escapeMarkup(`${what} of ${view.type}${diff ? ', against the base' : ''}`)}</text>`,
    `<text x="${WIDTH / 2}" y="42" text-anchor="middle" fill="#555">${escapeMarkup(subtitle)}</text>`,
  ];
  for (const { node, x, depth } of frames) {
    const width = frameWeight(node.total, node.base) * scale;
    const name = node === tree && options.callersOf === undefined ? 'all' : node.name;
    const value = diff
      ? `${view.format(node.base)} before, ${view.format(node.total + node.base)} after (${node.total >= 0 ? '+' : ''}${percentage(node.total, percentOf).trim()})`
      : `${view.format(node.total)} (${percentage(node.total, percentOf).trim()})${node.self > 0 ? `, ${scaledLabel(node.self, view.unit, 'minimum')} itself` : ''}`;
    const fits = Math.floor((width - 6) / CHAR_WIDTH);
    const label = fits < 3 ? '' : name.length <= fits ? name : `${name.slice(0, fits - 2)}..`;
    const fill = diff ? changeColour(node.total + node.base, node.base) : node === tree ? ROOT_COLOUR : frameColour(node.name);
    out.push(
      `<g><title>${escapeMarkup(`${name}: ${value}`)}</title>` +
        `<rect x="${x.toFixed(2)}" y="${y(depth)}" width="${width.toFixed(2)}" height="${FRAME_HEIGHT - 1}" rx="2" fill="${fill}"/>` +
        (label ? `<text x="${(x + 3).toFixed(2)}" y="${y(depth) + FRAME_HEIGHT - 4}" fill="${labelInk(fill, '#000000')}">${escapeMarkup(label)}</text>` : '') +
        '</g>',
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

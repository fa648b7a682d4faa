import type { Profile } from 'pprof-format';
import { flameTree, type FlameNode } from './flamegraph.ts';
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

/** What V8 reports for time no JavaScript function was running. */
const V8_STATES = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** A colour per name, the same in every drawing: waits in blues, V8's own work in greys, code in warm tones. */
function colour(name: string): string {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (Math.imul(hash, 31) + name.charCodeAt(i)) | 0;
  const shade = (Math.abs(hash) % 1000) / 1000;
  if (name.startsWith('(wait)')) return `hsl(${205 + Math.round(shade * 20)}, 70%, ${62 + Math.round(shade * 12)}%)`;
  if (V8_STATES.has(name)) return `hsl(0, 0%, ${70 + Math.round(shade * 12)}%)`;
  return `hsl(${Math.round(shade * 50)}, ${70 + Math.round(shade * 20)}%, ${55 + Math.round(shade * 10)}%)`;
}

/**
 * A flame graph as one self-contained SVG file (no scripts, fonts or links): the root at the
 * bottom, each function as wide as its share of the total, callers under callees. Hovering a
 * frame shows its name, its value and its share of the total (an SVG title).
 */
export function flameGraphSvg(profile: Profile, sampleIndex: number): string {
  const view = valueFormat(profile, sampleIndex);
  view.outputUnit = 'minimum';
  const root = flameTree(profile, sampleIndex);
  const scale = root.total > 0 ? (WIDTH - 2 * PAD) / root.total : 0;
  const frames: { node: FlameNode; x: number; depth: number }[] = [];
  let maxDepth = 0;
  const place = (node: FlameNode, x: number, depth: number) => {
    if (node.total * scale < MIN_WIDTH) return;
    frames.push({ node, x, depth });
    maxDepth = Math.max(maxDepth, depth);
    let offset = x;
    for (const child of node.children) {
      place(child, offset, depth + 1);
      offset += child.total * scale;
    }
  };
  if (root.total > 0) place(root, PAD, 0);

  const height = HEADER + (maxDepth + 1) * FRAME_HEIGHT + PAD;
  const y = (depth: number) => height - PAD - (depth + 1) * FRAME_HEIGHT;
  const subtitle = profileLabels(profile, view).filter((line) => /^(File|Type|Duration):/.test(line)).join(' · ');
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="${FONT_SIZE}">`,
    `<rect width="100%" height="100%" fill="#fdfaf3"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="16">Flame graph of ${escapeMarkup(view.type)}</text>`,
    `<text x="${WIDTH / 2}" y="42" text-anchor="middle" fill="#555">${escapeMarkup(subtitle)}</text>`,
  ];
  for (const { node, x, depth } of frames) {
    const width = node.total * scale;
    const name = node === root ? 'all' : node.name;
    const share = percentage(node.total, root.total).trim();
    const self = node.self > 0 ? `, ${scaledLabel(node.self, view.unit, 'minimum')} itself` : '';
    const fits = Math.floor((width - 6) / CHAR_WIDTH);
    const label = fits < 3 ? '' : name.length <= fits ? name : `${name.slice(0, fits - 2)}..`;
    out.push(
      `<g><title>${escapeMarkup(`${name}: ${view.format(node.total)} (${share})${self}`)}</title>` +
        `<rect x="${x.toFixed(2)}" y="${y(depth)}" width="${width.toFixed(2)}" height="${FRAME_HEIGHT - 1}" rx="2" fill="${node === root ? '#d8d0c0' : colour(node.name)}"/>` +
        (label ? `<text x="${(x + 3).toFixed(2)}" y="${y(depth) + FRAME_HEIGHT - 4}">${escapeMarkup(label)}</text>` : '') +
        '</g>',
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

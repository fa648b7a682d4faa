/**
 * How a flame graph draws a frame, its colour and its width, shared by the -svg report and the
 * web UI's flame graph so a profile looks the same in both. Browser-safe: no Node imports.
 */

/** What V8 reports for time no JavaScript function was running. */
const V8_STATES = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** A colour per name, the same in every drawing: waits in blues, V8's own work in greys, code in warm tones. */
export function frameColour(name: string): string {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (Math.imul(hash, 31) + name.charCodeAt(i)) | 0;
  const shade = (Math.abs(hash) % 1000) / 1000;
  if (name.startsWith('(wait)')) return `hsl(${205 + Math.round(shade * 20)}, 70%, ${62 + Math.round(shade * 12)}%)`;
  if (V8_STATES.has(name)) return `hsl(0, 0%, ${70 + Math.round(shade * 12)}%)`;
  return `hsl(${Math.round(shade * 50)}, ${70 + Math.round(shade * 20)}%, ${55 + Math.round(shade * 10)}%)`;
}

/** The colour of the frame the drawing is rooted at. */
export const ROOT_COLOUR = '#d8d0c0';

/** The paper a flame graph is drawn on, behind frames drawn see-through. */
export const FLAME_PAPER = '#fdfaf3';

/** A colour as sRGB channels (0 to 255): `#rrggbb` or `hsl(h, s%, l%)`, the forms these drawings use. */
export function rgbOf(colour: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (hex) return [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16), parseInt(hex[3]!, 16)];
  const hsl = /^hsl\(\s*([\d.]+),\s*([\d.]+)%,\s*([\d.]+)%\s*\)$/.exec(colour);
  if (!hsl) throw new Error(`not a colour this drawing uses: ${colour}`);
  const [h, s, l] = [Number(hsl[1]), Number(hsl[2]) / 100, Number(hsl[3]) / 100];
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

/** WCAG's contrast ratio of two opaque colours (1 to 21). */
export function contrastRatio(a: readonly number[], b: readonly number[]): number {
  const luminance = (rgb: readonly number[]) => {
    const [r, g, b] = rgb.map((value) => {
      const c = value / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

const inks = new Map<string, string>();

/**
 * The colour to write a frame's name in, on `fill` drawn at `alpha` over the paper: `preferred`
 * where it reads at 4.5:1 or better, else black or white, whichever reads better (one always
 * reaches 4.5:1), so every name can be read whatever colour its frame drew.
 */
export function labelInk(fill: string, preferred: string, alpha = 1): string {
  const key = `${fill} ${preferred} ${alpha}`;
  let ink = inks.get(key);
  if (ink === undefined) {
    const paper = rgbOf(FLAME_PAPER);
    const behind = rgbOf(fill).map((value, i) => value * alpha + paper[i]! * (1 - alpha));
    const black = contrastRatio(behind, [0, 0, 0]);
    const white = contrastRatio(behind, [255, 255, 255]);
    ink = contrastRatio(behind, rgbOf(preferred)) >= 4.5 ? preferred : black >= white ? '#000000' : '#ffffff';
    inks.set(key, ink);
  }
  return ink;
}

/**
 * A frame's colour in a comparison: red where it grew, blue where it shrank (red and blue stay
 * apart for red-green colour blindness), deeper the larger the change against the larger of
 * the two values, and a pale grey where nothing changed.
 */
export function changeColour(after: number, before: number): string {
  const larger = Math.max(Math.abs(after), Math.abs(before));
  const change = larger === 0 ? 0 : (after - before) / larger;
  if (Math.abs(change) < 0.01) return 'hsl(40, 10%, 86%)';
  const lightness = Math.round(88 - 38 * Math.min(1, Math.abs(change)));
  return change > 0 ? `hsl(0, 85%, ${lightness}%)` : `hsl(215, 85%, ${lightness}%)`;
}

/**
 * How wide a frame is drawn: its total, or in a comparison the value before plus the value
 * after (`total` is the change, `base` the value before), so what vanished stays visible and
 * a frame's children never outgrow it.
 */
export function frameWeight(total: number, base: number): number {
  return Math.max(0, base > 0 ? total + 2 * base : total);
}

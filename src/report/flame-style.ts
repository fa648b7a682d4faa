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

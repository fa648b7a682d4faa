/**
 * The call graph's colours, shared by -dot and the web UI's Graph view (no imports: the page's
 * code uses it too).
 */

/**
 * A colour for a share from -1 (green) through 0 (grey) to 1 (red): dark for lines and text,
 * light for backgrounds. Shares are pushed away from 0 so that small ones are told apart.
 */
export function dotColor(share: number, background: boolean): string {
  const SHIFT = 0.7;
  let saturation = background ? 0.1 : 1;
  const value = background ? 0.93 : 0.7;
  let score = Math.max(-1, Math.min(1, share));
  // Near 0 the colour fades to grey rather than yellow.
  if (Math.abs(score) < 0.2) saturation *= Math.abs(score) / 0.2;
  if (score > 0) score = score ** (1 - SHIFT);
  if (score < 0) score = -((-score) ** (1 - SHIFT));
  let red: number;
  let green: number;
  if (score < 0) {
    green = value;
    red = value * (1 + saturation * score);
  } else {
    red = value;
    green = value * (1 - saturation * score);
  }
  const blue = value * (1 - saturation);
  const hex = (channel: number) => (Math.trunc(channel * 255) & 0xff).toString(16).padStart(2, '0');
  return `#${hex(red)}${hex(green)}${hex(blue)}`;
}

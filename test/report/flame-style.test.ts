import { describe, expect, it } from 'vitest';
import { FLAME_PAPER, ROOT_COLOUR, changeColour, contrastRatio, frameColour, labelInk, rgbOf } from '../../src/report/flame-style.ts';

/** What a label reads at: its ink on its frame's colour drawn at `alpha` over the paper. */
function readsAt(fill: string, ink: string, alpha = 1): number {
  const paper = rgbOf(FLAME_PAPER);
  return contrastRatio(
    rgbOf(fill).map((value, i) => value * alpha + paper[i]! * (1 - alpha)),
    rgbOf(ink),
  );
}

/** Names as profiles hold them: functions, V8's states, waits. */
const NAMES = [
  ...Array.from({ length: 3000 }, (_, i) => `${['handle', 'compute', 'parse', 'render', 'fetch'][i % 5]}${i.toString(36)}`),
  '(garbage collector)',
  '(program)',
  '(wait) fetch GET http://127.0.0.1:3000/slow',
  '(wait) setTimeout 10ms',
  'processTicksAndRejections',
  'cpuIntensiveTask',
];

describe('flame graph colours', () => {
  it('reads hsl and hex colours as sRGB', () => {
    expect(rgbOf('#d63384')).toEqual([214, 51, 132]);
    expect(rgbOf('hsl(0, 100%, 50%)')).toEqual([255, 0, 0]);
    expect(rgbOf('hsl(215, 85%, 50%)')).toEqual([19, 109, 236]);
    expect(() => rgbOf('red')).toThrow(/not a colour/);
  });

  it('writes every frame name at 4.5:1 or better, plain, dimmed or found by a search', () => {
    const fills = [...NAMES.map(frameColour), ROOT_COLOUR, '#d63384'];
    for (let change = -1; change <= 1; change += 0.05) fills.push(changeColour(100 + 100 * change, 100), changeColour(100, 100 + 100 * change));
    const poor: string[] = [];
    for (const fill of fills) {
      for (const [preferred, alpha] of [
        ['#111111', 1],
        ['#333333', 0.45],
        ['#555555', 0.45],
        ['#ffffff', 1],
        ['#000000', 1],
      ] as const) {
        const ink = labelInk(fill, preferred, alpha);
        const ratio = readsAt(fill, ink, alpha);
        if (ratio < 4.5) poor.push(`${ink} on ${fill} at ${alpha}: ${ratio.toFixed(2)}:1`);
      }
    }
    expect(poor).toEqual([]);
  });

  it('keeps the ink asked for where it reads, and changes it only where it would not', () => {
    expect(labelInk('hsl(0, 0%, 75%)', '#111111')).toBe('#111111');
    // Red with a near-black label read at under 4.5:1 on the slides: it gets black.
    expect(readsAt('hsl(0, 70%, 55%)', '#111111')).toBeLessThan(4.5);
    expect(labelInk('hsl(0, 70%, 55%)', '#111111')).toBe('#000000');
    // Dimmed names (off the search) are dark grey on every pale frame, all alike.
    for (const name of NAMES) expect(labelInk(frameColour(name), '#333333', 0.45), name).toBe('#333333');
    // A deep blue of a comparison reads better in white.
    expect(labelInk('hsl(215, 85%, 50%)', '#000000')).toBe('#ffffff');
  });
});

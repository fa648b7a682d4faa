import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveDirectory } from '../helpers/browser.ts';
import { builtDeck, cutOff, deckSlides, settled, withDeckLock } from '../helpers/deck.ts';
import { repoRoot } from '../helpers/run.ts';
import { chromiumBinary } from '../helpers/tools.ts';

/**
 * `npm run slides:export` prints the deck: one page per slide, and every figure (flame graphs,
 * the diagrams) and every line of code drawn on its page, not an empty box. Pages are rendered
 * with poppler's pdftoppm and each figure's area, found in the deck as Slidev prints it (print
 * mode: every click shown, the code editor printed as code), is looked at.
 */
function which(tool: string): string | undefined {
  try {
    return execFileSync('which', [tool], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    if (process.env.WORKSHOP_REQUIRE_TOOLS === '1') throw new Error(`WORKSHOP_REQUIRE_TOOLS=1 but ${tool} is missing (apt-get install poppler-utils)`);
    console.warn(`skipping the export test: ${tool} not found (apt-get install poppler-utils)`);
    return undefined;
  }
}
const tools = chromiumBinary() && which('pdftoppm') && which('pdfinfo');
const slides = deckSlides();
/** The figures to find on each page: what draws late or on a canvas, and each line of code. */
const FIGURES = '.slide-flame canvas, svg.diagram, .top-excerpt, .sampling, pre.slidev-code .line';
/** Pages are rendered at this many pixels per slide pixel (the slide is 980x552). */
const RENDER_SCALE = 0.5;
const out = mkdtempSync(join(tmpdir(), 'deck-export-'));
const pdf = join(out, 'deck.pdf');
let browser: Browser | undefined;
let site: Awaited<ReturnType<typeof serveDirectory>>;
interface Figure {
  what: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
/** Each slide as Slidev prints it (print mode, as the export opens it): what it hides or cuts off, and where its figures are. */
const printed: { number: number; width: number; hiddenClicks: number; cutOff: string[]; figures: Figure[] }[] = [];

beforeAll(async () => {
  if (!tools) return;
  const exported = await withDeckLock(() =>
    spawnSync(process.execPath, [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'src/cli/slides-export.ts', '--output', pdf], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 1_500_000,
    }),
  );
  expect(exported.status, `${exported.stdout}\n${exported.stderr}`).toBe(0);
  site = await serveDirectory(await builtDeck());
  browser = await launchChromium();
  const page = await browser!.newPage({ viewport: { width: 980, height: 552 } });
  for (const slide of slides) {
    const scope = `.slidev-page-${slide.number}`;
    await page.goto(`${site.origin}/${slide.number}?print=true`);
    await settled(page, slide.number);
    const figures = await page.$$eval(`${scope} :is(${FIGURES})`, (elements) =>
      elements
        .filter((element) => element.tagName !== 'SPAN' || (element.textContent ?? '').trim() !== '')
        .map((element) => {
          const box = element.getBoundingClientRect();
          const slideBox = element.closest('.slidev-page')!.getBoundingClientRect();
          // In the slide's own pixels (980 wide), whatever the window scales it to.
          const scale = slideBox.width / 980;
          const what = `${element.tagName.toLowerCase()}.${String(element.className.baseVal ?? element.className).split(' ')[0]} "${(element.textContent ?? '').trim().slice(0, 30)}"`;
          return { what, x: (box.left - slideBox.left) / scale, y: (box.top - slideBox.top) / scale, width: box.width / scale, height: box.height / scale };
        }),
    );
    printed.push({
      number: slide.number,
      width: await page.$eval(scope, (element) => element.getBoundingClientRect().width),
      hiddenClicks: (await page.$$(`${scope} .slidev-vclick-hidden`)).length,
      cutOff: await cutOff(page, scope),
      figures,
    });
  }
  await page.close();
}, 1_800_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  rmSync(out, { recursive: true, force: true });
});

/** A rendered page as RGB pixels: pdftoppm's binary PPM (P6). */
function renderPage(page: number): { width: number; height: number; pixels: Buffer } {
  const prefix = join(out, `page-${page}`);
  execFileSync('pdftoppm', ['-f', String(page), '-l', String(page), '-scale-to-x', String(980 * RENDER_SCALE), '-scale-to-y', '-1', pdf, prefix]);
  const file = readdirSync(out).find((name) => name.startsWith(`page-${page}-`) || name === `page-${page}.ppm`)!;
  const data = readFileSync(join(out, file));
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(data.subarray(0, 40).toString('latin1'))!;
  return { width: Number(header[1]), height: Number(header[2]), pixels: data.subarray(header[0].length) };
}

describe.skipIf(!tools)('npm run slides:export', () => {
  it('prints one page per slide', () => {
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    expect(Number(/^Pages:\s+(\d+)/m.exec(info)?.[1])).toBe(slides.length);
  });

  it('prints every slide whole: every click shown, nothing cut off', () => {
    const problems: string[] = [];
    for (const slide of printed) {
      if (slide.width === 0) problems.push(`slide ${slide.number} is not shown in print mode`);
      if (slide.hiddenClicks > 0) problems.push(`slide ${slide.number} hides a click on paper`);
      problems.push(...slide.cutOff.map((problem) => `slide ${slide.number} on paper: ${problem}`));
    }
    expect(printed.length).toBe(slides.length);
    expect(problems).toEqual([]);
  });

  it('draws every figure and every line of code on its page: its area is not blank', () => {
    const blank: string[] = [];
    let figures = 0;
    for (const slide of printed) {
      const boxes = slide.figures;
      if (boxes.length === 0) continue;
      const rendered = renderPage(slide.number);
      for (const box of boxes) {
        figures++;
        // The share of the figure's pixels that differ from the page's paper (its top-left corner).
        let inked = 0;
        let all = 0;
        const paper = rendered.pixels.subarray(0, 3);
        for (let y = Math.floor(box.y * RENDER_SCALE); y < Math.min(rendered.height, (box.y + box.height) * RENDER_SCALE); y++) {
          for (let x = Math.floor(box.x * RENDER_SCALE); x < Math.min(rendered.width, (box.x + box.width) * RENDER_SCALE); x++) {
            const at = (y * rendered.width + x) * 3;
            all++;
            if (
              Math.abs(rendered.pixels[at]! - paper[0]!) + Math.abs(rendered.pixels[at + 1]! - paper[1]!) + Math.abs(rendered.pixels[at + 2]! - paper[2]!) >
              60
            )
              inked++;
          }
        }
        if (all === 0 || inked / all < 0.03)
          blank.push(`slide ${slide.number}: ${box.what} is blank on its page (${all ? ((100 * inked) / all).toFixed(1) : 0}% inked)`);
      }
    }
    expect(figures).toBeGreaterThan(8);
    expect(blank).toEqual([]);
  }, 900_000);
});

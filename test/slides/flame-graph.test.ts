import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlameData } from '../../src/report/flamegraph.ts';
import { VIEWPORTS, launchChromium, screenshotDirectory, serveDirectory } from '../helpers/browser.ts';
import { builtDeck, cutOff, openSlide, slideWith } from '../helpers/deck.ts';
import { repoRoot } from '../helpers/run.ts';
import { chromiumBinary } from '../helpers/tools.ts';

/**
 * The slides' flame graphs under Slidev's scaling: Slidev lays a slide out at 980x552 and scales
 * it to the window with a CSS transform, so the pointer's position on screen is not the frame's
 * position in layout. Hover and click must land on the frame under the pointer at any size.
 */
/** Slidev's own layout size, and the two every browser test opens. */
const SIZES = [{ width: 980, height: 552 }, ...VIEWPORTS];
const PROFILE = 'hash-chain-cpu';
const slide = slideWith(`<FlameGraph profile="${PROFILE}"`);
/** The graph on the slide shown: Slidev keeps its neighbours in the page, hidden. */
const scope = `.slidev-page-${slide} .slide-flame`;
const data = JSON.parse(readFileSync(join(repoRoot, 'public/profiles', `${PROFILE}.json`), 'utf8')) as FlameData;

/**
 * Where the widest frame named `name` lies across the graph (0 to 1) and at which depth, worked
 * out from the recorded data itself: a child starts where its earlier siblings end.
 */
function frameSpan(name: string): { from: number; to: number; depth: number } {
  const id = data.names.indexOf(name);
  const start: number[] = [];
  const nextChild: number[] = [];
  const ancestors: number[] = [];
  let best = -1;
  for (let i = 0; i < data.name.length; i++) {
    const depth = data.depth[i]!;
    ancestors[depth] = i;
    const parent = depth > 0 ? ancestors[depth - 1]! : -1;
    start[i] = parent >= 0 ? start[parent]! + nextChild[parent]! : 0;
    nextChild[i] = 0;
    if (parent >= 0) nextChild[parent]! += data.total[i]!;
    if (data.name[i] === id && (best < 0 || data.total[i]! > data.total[best]!)) best = i;
  }
  if (best < 0) throw new Error(`no frame ${name} in ${PROFILE}`);
  return { from: start[best]! / data.total[0]!, to: (start[best]! + data.total[best]!) / data.total[0]!, depth: data.depth[best]! };
}

/** The middle of a frame on screen, from the canvas's box on screen and its layout size (rows of 18 layout pixels, root at the bottom). */
async function pointAt(page: Page, name: string): Promise<{ x: number; y: number }> {
  const span = frameSpan(name);
  const canvas = await page.$eval(`${scope} canvas`, (element) => {
    const box = element.getBoundingClientRect();
    const view = element.parentElement!.getBoundingClientRect();
    return {
      left: box.left,
      bottom: box.bottom,
      width: box.width,
      height: box.height,
      layoutHeight: (element as HTMLElement).offsetHeight,
      viewTop: view.top,
      viewBottom: view.bottom,
    };
  });
  const row = (18 * canvas.height) / canvas.layoutHeight;
  const point = { x: canvas.left + ((span.from + span.to) / 2) * canvas.width, y: canvas.bottom - (span.depth + 0.5) * row };
  expect(point.y, `${name} is inside the graph's visible box`).toBeGreaterThan(canvas.viewTop);
  expect(point.y).toBeLessThan(canvas.viewBottom);
  return point;
}

let browser: Browser | undefined;
let site: Awaited<ReturnType<typeof serveDirectory>>;

beforeAll(async () => {
  if (!chromiumBinary()) return;
  site = await serveDirectory(await builtDeck());
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe.skipIf(!chromiumBinary())('a slide flame graph in Chromium', () => {
  it.each(SIZES)('hovers, clicks, zooms out and searches the frame under the pointer at $width x $height', async (viewport) => {
    const { page, errors } = await openSlide(browser!, site.origin, slide, viewport);
    await page.waitForSelector(`${scope} canvas`);
    const scale = await page.$eval(`${scope} canvas`, (element) => element.getBoundingClientRect().width / (element as HTMLElement).offsetWidth);
    expect(scale).toBeCloseTo(viewport.width / 980, 1);
    for (const name of ['hashChain', 'sha256', 'compress']) {
      const point = await pointAt(page, name);
      await page.mouse.move(point.x, point.y);
      await expect
        .poll(() => page.$eval(`${scope} .fg-tip`, (tip) => ((tip as HTMLElement).hidden ? '(hidden)' : tip.querySelector('strong')!.textContent)))
        .toBe(name);
      // The tip sits by the pointer, not where the pointer would be unscaled.
      const tip = await page.$eval(`${scope} .fg-tip`, (element) => element.getBoundingClientRect().toJSON() as DOMRect);
      expect(Math.abs(tip.left - point.x)).toBeLessThan(40 * scale);
      expect(tip.top).toBeGreaterThan(point.y);
      expect(tip.top - point.y).toBeLessThan(40 * scale);
    }
    await page.screenshot({ path: join(screenshotDirectory, `flame-hover-${viewport.width}.png`) });

    const target = await pointAt(page, 'sha256');
    await page.mouse.click(target.x, target.y);
    await expect.poll(() => page.textContent(`${scope} .fg-crumbs [aria-current]`)).toBe('sha256');
    // Zoomed in, sha256 spans the whole width: a point near the left edge of its row is in it.
    const zoomed = await page.$eval(
      `${scope} canvas`,
      (element) => ({ ...element.getBoundingClientRect().toJSON(), layoutHeight: (element as HTMLElement).offsetHeight }) as DOMRect & { layoutHeight: number },
    );
    await page.mouse.move(zoomed.left + zoomed.width * 0.1, zoomed.bottom - (frameSpan('sha256').depth + 0.5) * ((18 * zoomed.height) / zoomed.layoutHeight));
    await expect.poll(() => page.textContent(`${scope} .fg-tip strong`)).toBe('sha256');
    await page.screenshot({ path: join(screenshotDirectory, `flame-zoomed-${viewport.width}.png`) });
    await page.click(`${scope} .fg-crumbs button:first-child`);
    await expect.poll(() => page.textContent(`${scope} .fg-crumbs [aria-current]`)).toBe('all');

    await page.fill(`${scope} .fg-search`, '^compress$');
    await expect.poll(() => page.textContent(`${scope} .fg-matches`)).toMatch(/^\d+ frames?: /);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows its box when the host lays it out again narrower, in a grid column sized by its content', async () => {
    // The sampling slide puts the graph in a grid column beside a table. Were the graph drawn once
    // while that column was wider (the host laid out before its styles, say), the canvas it drew
    // must not hold the column at that width: the graph is drawn again to the column's width.
    const sampling = slideWith('<SamplingTimeline');
    const { page, errors } = await openSlide(browser!, site.origin, sampling, { width: 1280, height: 720 }, '?clicks=999');
    const graph = `.slidev-page-${sampling} .slide-flame`;
    const width = () => page.$eval(`${graph} canvas`, (canvas) => (canvas as HTMLElement).offsetWidth);
    const inGrid = await width();
    await page.$eval(`.slidev-page-${sampling} .results`, (results) => ((results as HTMLElement).style.display = 'block'));
    await expect.poll(width).toBeGreaterThan(inGrid * 1.5);
    await page.$eval(`.slidev-page-${sampling} .results`, (results) => ((results as HTMLElement).style.display = ''));
    await expect.poll(width).toBe(inGrid);
    expect(await cutOff(page, `.slidev-page-${sampling}`)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each([1, 2])('draws at the device pixel ratio (%i) times the slide scale, so it stays sharp', async (deviceScaleFactor) => {
    const page = await browser!.newPage({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor });
    await page.goto(`${site.origin}/${slide}`);
    await page.waitForSelector(`${scope} canvas`);
    const size = () =>
      page.$eval(`${scope} canvas`, (element) => {
        const canvas = element as HTMLCanvasElement;
        return { pixels: canvas.width, onScreen: canvas.getBoundingClientRect().width * devicePixelRatio };
      });
    await expect.poll(async () => Math.abs((await size()).pixels - (await size()).onScreen)).toBeLessThan(2);
    // The window shrinks: Slidev scales the slide down, and the graph is drawn again to match.
    await page.setViewportSize({ width: 1280, height: 720 });
    await expect.poll(async () => Math.abs((await size()).pixels - (await size()).onScreen)).toBeLessThan(2);
    expect((await size()).pixels).toBeLessThan(1280 * deviceScaleFactor);
    await page.close();
  });
});

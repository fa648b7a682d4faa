import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWPORTS, launchChromium, screenshotDirectory, serveDirectory } from '../helpers/browser.ts';
import { builtDeck, cutOff, deckSlides, openSlide, slideWith } from '../helpers/deck.ts';
import { loadExercises } from '../../src/workshop/metadata.ts';
import { repoRoot } from '../helpers/run.ts';
import { chromiumBinary } from '../helpers/tools.ts';

/**
 * The deck as a presenter shows it: built with Slidev as `npm run slides:build` builds it, then
 * every slide opened in Chromium at two window sizes, every click revealed, with screenshots in
 * test-results/screenshots/ to look at.
 */
const slides = deckSlides();
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

/**
 * The text on the slide whose colour reads at less than 4.5:1 on the background behind it,
 * opacity included: WCAG's contrast of relative luminances.
 */
function lowContrast(page: Page, n: number): Promise<string[]> {
  return page.$eval(`.slidev-page-${n}`, (slide) => {
    const parse = (colour: string): [number, number, number, number] => {
      const parts = colour.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0];
      return [parts[0]!, parts[1]!, parts[2]!, parts[3] ?? 1];
    };
    const luminance = ([r, g, b]: number[]) => {
      const channel = (value: number) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
    };
    const over = (top: number[], alpha: number, bottom: number[]) => top.slice(0, 3).map((value, i) => value * alpha + bottom[i]! * (1 - alpha));
    /** The opaque colour behind an element: its backgrounds composed from the page up. */
    const background = (element: Element): number[] => {
      const layers: [number, number, number, number][] = [];
      for (let at: Element | null = element; at; at = at.parentElement) {
        const colour = parse(getComputedStyle(at).backgroundColor);
        if (colour[3] > 0) layers.push(colour);
        if (colour[3] >= 1) break;
      }
      let result = [255, 255, 255];
      for (const layer of layers.reverse()) result = over(layer, layer[3], result);
      return result;
    };
    const problems: string[] = [];
    for (const element of slide.querySelectorAll('.slidev-layout *')) {
      if (element.closest('.slidev-vclick-hidden, svg, .monaco-editor, .fg-tip')) continue;
      const text = [...element.childNodes]
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent ?? '')
        .join('')
        .trim();
      if (!text) continue;
      const style = getComputedStyle(element);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      let opacity = 1;
      for (let at: Element | null = element; at && at !== slide; at = at.parentElement) opacity *= Number(getComputedStyle(at).opacity);
      const behind = background(element);
      const [r, g, b, a] = parse(style.color);
      const shown = over([r, g, b], a * opacity, behind);
      const [light, dark] = [luminance(shown), luminance(behind)].sort((x, y) => y - x);
      const ratio = (light! + 0.05) / (dark! + 0.05);
      if (ratio < 4.5) problems.push(`"${text.slice(0, 40)}" at ${ratio.toFixed(2)}:1 (${style.color} on rgb(${behind.map(Math.round).join(', ')}))`);
    }
    return problems;
  });
}

describe('the deck as a learner follows it', () => {
  /** The topics: each starts at a section slide that names its part ("Topic 3"), and ends before the next section. */
  const topics = () => {
    const found: { part: string; slides: typeof slides }[] = [];
    for (const slide of slides) {
      if (slide.frontmatter.layout === 'section') {
        const part = /class="part">([^<]+)</.exec(slide.content)?.[1];
        found.push({ part: part ?? '', slides: [] });
      } else found.at(-1)?.slides.push(slide);
    }
    return found.filter((topic) => topic.part !== '');
  };

  it('ends each topic with its exercise', () => {
    expect(topics().map((topic) => topic.part)).toEqual(Array.from({ length: 8 }, (_, i) => `Topic ${i + 1}`));
    for (const topic of topics()) {
      const last = topic.slides.at(-1)!;
      expect(last.content, `${topic.part} ends on "${last.title}"`).toMatch(/npm run exercise [\w-]+/);
    }
  });

  it('sends the learner to every exercise', () => {
    for (const exercise of loadExercises(repoRoot))
      expect(
        slides.some((slide) => slide.content.includes(`npm run exercise ${exercise.id}`)),
        exercise.id,
      ).toBe(true);
  });
});

describe.skipIf(!chromiumBinary())('the deck in Chromium', () => {
  it('has at least 45 slides, each with a title', () => {
    expect(slides.length).toBeGreaterThanOrEqual(45);
    for (const slide of slides) expect(slide.title, `slide ${slide.number}`).not.toBe('');
  });

  it.each(VIEWPORTS)(
    'shows every slide at $width x $height, every click revealed: no error, nothing cut off, text at 4.5:1 or more',
    async (viewport) => {
      const problems: string[] = [];
      for (const slide of slides) {
        const n = slide.number;
        // Every click revealed, as a presenter reaches the slide's end (Slidev clamps the count).
        const { page, errors } = await openSlide(browser!, site.origin, n, viewport, '?clicks=999');
        if ((await page.$$(`.slidev-page-${n} .slidev-vclick-hidden`)).length > 0) problems.push(`slide ${n} still hides a click`);
        const content = await page.$eval(`.slidev-page-${n}`, (element) => ({
          text: element.textContent?.trim().length ?? 0,
          heading: element.querySelector('h1')?.textContent ?? '',
        }));
        if (content.heading === '') problems.push(`slide ${n} shows no title`);
        if (content.text < 40) problems.push(`slide ${n} is nearly blank`);
        // A number stated from the profiles sits in its sentence: markdown makes a source line that
        // starts with <Fact> a paragraph of its own, which breaks the sentence in two.
        const strayFacts = await page.$$eval(`.slidev-page-${n} p`, (paragraphs) =>
          paragraphs
            .filter(
              (p) =>
                [...p.childNodes].find((node) => node.nodeType !== Node.TEXT_NODE || node.textContent!.trim() !== '') instanceof HTMLElement &&
                p.firstElementChild?.classList.contains('fact') &&
                p.textContent!.trim().startsWith(p.firstElementChild.textContent!.trim()),
            )
            .map((p) => p.textContent!.trim().slice(0, 40)),
        );
        problems.push(...strayFacts.map((fact) => `slide ${n}: "${fact}" starts a paragraph with a number: a sentence broken in two`));
        problems.push(...(await cutOff(page, `.slidev-page-${n}`)).map((problem) => `slide ${n} at ${viewport.width}: ${problem}`));
        problems.push(...(await lowContrast(page, n)).map((problem) => `slide ${n}: ${problem}`));
        await page.screenshot({ path: join(screenshotDirectory, `slide-${String(n).padStart(2, '0')}-${viewport.width}.png`) });
        problems.push(...errors);
        await page.close();
      }
      expect(problems).toEqual([]);
    },
    900_000,
  );

  const frame = (page: Page, n: number, name: string) =>
    page.evaluate(
      ([scope, wanted]) =>
        (
          document.querySelector(`${scope} .flame-graph`) as (HTMLElement & { flameGraph?: { locate(name: string): object | undefined } }) | null
        )?.flameGraph?.locate(wanted!),
      [`.slidev-page-${n}`, name],
    );

  it('draws real profiles: the CPU profile of the loop, and its wall profile with all three functions', async () => {
    const cpuSlide = slideWith('<FlameGraph profile="canonical-cpu"');
    const cpu = await openSlide(browser!, site.origin, cpuSlide);
    await cpu.page.waitForSelector(`.slidev-page-${cpuSlide} canvas[data-drawn]`);
    expect(await frame(cpu.page, cpuSlide, 'cpuIntensiveTask')).toBeDefined();
    await cpu.page.close();
    const wallSlide = slideWith('<FlameGraph profile="canonical-wall"');
    const wall = await openSlide(browser!, site.origin, wallSlide);
    await wall.page.waitForSelector(`.slidev-page-${wallSlide} canvas[data-drawn]`);
    for (const name of ['slowNetworkRequest', 'cpuIntensiveTask', 'weirdFunction']) expect(await frame(wall.page, wallSlide, name), name).toBeDefined();
    expect(await wall.page.textContent(`.slidev-page-${wallSlide} .fg-matches`)).toMatch(/^\d+ frames?: /);
    await wall.page.close();
  });

  it('states the numbers of the profiles it draws: a share on the slide is the share in the graph', async () => {
    const n = slideWith('<FlameGraph profile="canonical-wall"');
    const { page } = await openSlide(browser!, site.origin, n);
    await page.waitForSelector(`.slidev-page-${n} canvas[data-drawn]`);
    const stated = await page.textContent(`.slidev-page-${n} [data-fact="canonical-wall slowNetworkRequest cum%"]`);
    await page.fill(`.slidev-page-${n} .fg-search`, '^slowNetworkRequest$');
    // The search sums the frames it matched, as a share of the whole: the same share, rounded.
    const searched = /\(([\d.]+)%\)/.exec((await page.textContent(`.slidev-page-${n} .fg-matches`)) ?? '')?.[1];
    expect(`${Math.round(Number(searched))}%`).toBe(stated);
    await page.close();
  });

  it('advances the sampling animation one sample per click, counting stacks into the table', async () => {
    const n = slideWith('<SamplingTimeline');
    const { page } = await openSlide(browser!, site.origin, n);
    const count = (stack: string) => page.textContent(`.slidev-page-${n} tr[data-stack="${stack}"] td.count`);
    expect([await count('A'), await count('A C'), await count('B')]).toEqual(['0', '0', '0']);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => count('A')).toBe('1');
    for (let click = 1; click < 12; click++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => Promise.all([count('A'), count('A C'), count('B')])).toEqual(['5', '3', '4']);
    await page.screenshot({ path: join(screenshotDirectory, 'sampling-all-samples.png') });
    await page.close();
  });

  it('runs the timing wrapper in the browser', async () => {
    const n = slideWith('{monaco-run}');
    const { page } = await openSlide(browser!, site.origin, n);
    await expect.poll(() => page.textContent(`.slidev-page-${n}`), { timeout: 30_000 }).toMatch(/a million square roots: \d+\.\d\d ms/);
    await page.close();
  });
});

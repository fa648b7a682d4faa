import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotDirectory, serveDirectory } from '../helpers/browser.ts';
import { repoRoot } from '../helpers/run.ts';
import { chromiumBinary } from '../helpers/tools.ts';

/**
 * The deck as a presenter shows it: built with Slidev as `npm run slides:build` builds it, then
 * every slide opened in Chromium, with screenshots in test-results/screenshots/ to look at.
 */
const out = mkdtempSync(join(tmpdir(), 'deck-'));
const slideCount = readFileSync(join(repoRoot, 'slides.md'), 'utf8').split(/^# /m).length - 1;
let browser: Browser | undefined;
let site: Awaited<ReturnType<typeof serveDirectory>>;

beforeAll(async () => {
  if (!chromiumBinary()) return;
  const slidev = join(dirname(createRequire(join(repoRoot, 'package.json')).resolve('@slidev/cli/package.json')), 'bin/slidev.mjs');
  const build = spawnSync(process.execPath, [slidev, 'build', 'slides.md', '--out', out], { cwd: repoRoot, encoding: 'utf8', timeout: 900_000 });
  expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
  site = await serveDirectory(out);
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  rmSync(out, { recursive: true, force: true });
});

/** Opens slide `n` and gives the errors the page logs meanwhile. */
async function openSlide(n: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`slide ${n}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`slide ${n}: ${error.message}`));
  page.on('requestfailed', (request) => errors.push(`slide ${n}: could not load ${request.url()}`));
  await page.goto(`${site.origin}/${n}`);
  await page.waitForSelector(`.slidev-page-${n}`);
  await page.waitForLoadState('networkidle');
  return { page, errors };
}

const frame = (page: Page, name: string) =>
  page.evaluate((wanted) => (document.querySelector('.flame-graph') as (HTMLElement & { flameGraph?: { locate(name: string): object | undefined } }) | null)?.flameGraph?.locate(wanted), name);

describe.skipIf(!chromiumBinary())('the deck in Chromium', () => {
  it(`opens each of its ${slideCount} slides with something on it and no errors`, async () => {
    expect(slideCount).toBeGreaterThan(15);
    const errors: string[] = [];
    for (let n = 1; n <= slideCount; n++) {
      const { page, errors: slideErrors } = await openSlide(n);
      const content = await page.$eval(`.slidev-page-${n}`, (element) => ({ text: element.textContent?.trim().length ?? 0, heading: element.querySelector('h1')?.textContent ?? '' }));
      expect(content.heading, `slide ${n} has no title`).not.toBe('');
      expect(content.text, `slide ${n} is blank`).toBeGreaterThan(40);
      await page.screenshot({ path: join(screenshotDirectory, `slide-${String(n).padStart(2, '0')}.png`) });
      errors.push(...slideErrors);
      await page.close();
    }
    expect(errors).toEqual([]);
  }, 300_000);

  it('draws real profiles: the CPU profile of the loop, and its wall profile with all three functions', async () => {
    const cpu = await openSlide(3);
    expect(await frame(cpu.page, 'cpuIntensiveTask')).toBeDefined();
    await cpu.page.close();
    const wall = await openSlide(10);
    for (const name of ['slowNetworkRequest', 'cpuIntensiveTask', 'weirdFunction']) expect(await frame(wall.page, name), name).toBeDefined();
    expect(await wall.page.textContent('.fg-matches')).toMatch(/^\d+ frames?: /);
    await wall.page.close();
  });

  it('advances the sampling animation one sample per click, counting stacks into the table', async () => {
    const { page } = await openSlide(5);
    const count = (stack: string) => page.textContent(`tr[data-stack="${stack}"] td.count`);
    expect([await count('A'), await count('A C'), await count('B')]).toEqual(['0', '0', '0']);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => count('A')).toBe('1');
    for (let click = 1; click < 12; click++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => Promise.all([count('A'), count('A C'), count('B')])).toEqual(['5', '3', '4']);
    await page.screenshot({ path: join(screenshotDirectory, 'slide-05-all-samples.png') });
    await page.close();
  });

  it('runs the timing wrapper in the browser', async () => {
    const { page } = await openSlide(4);
    await expect.poll(() => page.textContent(`.slidev-page-4`), { timeout: 30_000 }).toMatch(/a million square roots: \d+\.\d\d ms/);
    await page.close();
  });
});

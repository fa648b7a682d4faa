import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSync } from '@slidev/parser';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from './run.ts';

/** The deck's slides as Slidev parses slides.md: number (1-based), title, frontmatter and text. */
export interface DeckSlide {
  number: number;
  title: string;
  content: string;
  note: string;
  frontmatter: Record<string, unknown>;
}

export function deckSlides(): DeckSlide[] {
  const deck = parseSync(readFileSync(join(repoRoot, 'slides.md'), 'utf8'), join(repoRoot, 'slides.md'));
  return deck.slides.map((slide, index) => ({
    number: index + 1,
    title: slide.title ?? '',
    content: slide.content,
    note: slide.note ?? '',
    frontmatter: slide.frontmatter,
  }));
}

/** The number of the first slide whose source contains `text`. */
export function slideWith(text: string): number {
  const found = deckSlides().find((slide) => slide.content.includes(text));
  if (!found) throw new Error(`no slide contains ${text}`);
  return found.number;
}

/** Every file the built deck depends on, for the build's cache key. */
function deckInputs(): string[] {
  const files: string[] = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path).sort()) walk(join(path, entry));
    else files.push(path);
  };
  for (const path of ['slides.md', 'package-lock.json', 'components', 'public', 'src/web', 'src/report', 'src/pprof', 'theme', 'styles', 'setup', 'layouts']) {
    if (existsSync(join(repoRoot, path))) walk(join(repoRoot, path));
  }
  return files;
}

/**
 * Runs `work` while no other test file builds or exports the deck from this checkout: Slidev's
 * build writes an index.html into the project while it runs, which a dev server (the export's)
 * would serve instead of its own, and the two share Vite's dependency cache.
 */
export async function withDeckLock<T>(work: () => Promise<T> | T): Promise<T> {
  const lock = join(tmpdir(), `workshop-deck-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 8)}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the longest build or export was left by a crash.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 1_800_000) rmSync(lock, { recursive: true, force: true });
      await sleep(1000);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * The deck built as `npm run slides:build` builds it, in a folder named by a hash of its inputs:
 * test files that need it, and runs whose inputs did not change, share one build.
 */
export async function builtDeck(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of deckInputs()) hash.update(relative(repoRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  const out = join(tmpdir(), `workshop-deck-${hash.digest('hex').slice(0, 16)}`);
  return withDeckLock(() => {
    if (existsSync(join(out, 'index.html'))) return out;
    const slidev = join(dirname(createRequire(join(repoRoot, 'package.json')).resolve('@slidev/cli/package.json')), 'bin/slidev.mjs');
    const scratch = `${out}.tmp`;
    rmSync(scratch, { recursive: true, force: true });
    const build = spawnSync(process.execPath, [slidev, 'build', 'slides.md', '--out', scratch], { cwd: repoRoot, encoding: 'utf8', timeout: 900_000 });
    if (build.status !== 0) throw new Error(`slidev build failed:\n${build.stdout}\n${build.stderr}`);
    renameSync(scratch, out);
    return out;
  });
}

/**
 * Opens slide `n` of the built deck at a window size (`query`: e.g. `?clicks=999`, every click
 * revealed), once it has loaded and its figures are drawn; gives the errors the page logs.
 */
export async function openSlide(
  browser: Browser,
  origin: string,
  n: number,
  viewport = { width: 1280, height: 720 },
  query = '',
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`slide ${n} at ${viewport.width}x${viewport.height}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`slide ${n} at ${viewport.width}x${viewport.height}: ${error.message}`));
  page.on('requestfailed', (request) => errors.push(`slide ${n}: could not load ${request.url()}`));
  await page.goto(`${origin}/${n}${query}`);
  await settled(page, n);
  return { page, errors };
}

/** Waits for slide `n` to be shown whole: loaded, and each thing that draws late drawn (what `slidev export` waits for too). */
export async function settled(page: Page, n: number): Promise<void> {
  await page.waitForSelector(`.slidev-page-${n} .slidev-layout`);
  await page.waitForFunction((scope) => {
    const slide = document.querySelector(scope);
    if (!slide || slide.querySelector('.slidev-slide-loading')) return false;
    return [...slide.querySelectorAll('[data-waitfor]')].every((element) => element.querySelector(element.getAttribute('data-waitfor')!) !== null);
  }, `.slidev-page-${n}`);
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(150);
}

/** What on the slide (`slideSelector`) reaches past its edges, or is cut off inside a box that hides or scrolls it. */
export function cutOff(page: Page, slideSelector: string): Promise<string[]> {
  return page.$eval(slideSelector, (slide) => {
    const problems: string[] = [];
    const edge = slide.getBoundingClientRect();
    const describe = (element: Element) =>
      `${element.tagName.toLowerCase()}${element.className && typeof element.className === 'string' ? `.${element.className.trim().split(/\s+/).join('.')}` : ''} "${(element.textContent ?? '').trim().slice(0, 40)}"`;
    for (const element of slide.querySelectorAll('.slidev-layout *')) {
      const style = getComputedStyle(element);
      // .sr-only: text for screen readers, hidden on purpose in a 1-pixel box.
      if (style.display === 'none' || style.visibility === 'hidden' || element.closest('.slidev-vclick-hidden, .monaco-editor, .fg-tip, .sr-only')) continue;
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (box.right > edge.right + 1 || box.bottom > edge.bottom + 1 || box.left < edge.left - 1) problems.push(`${describe(element)} reaches past the slide`);
      const clips = /(hidden|auto|scroll)/.test(`${style.overflowX} ${style.overflowY}`);
      if (clips && (element.scrollHeight > element.clientHeight + 2 || element.scrollWidth > element.clientWidth + 2))
        problems.push(
          `${describe(element)} cuts off its content (${element.scrollWidth}x${element.scrollHeight} in ${element.clientWidth}x${element.clientHeight})`,
        );
    }
    return problems;
  });
}

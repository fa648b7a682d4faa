/**
 * npm run slides:export
 *
 * The deck as a PDF (slides-export.pdf), made by Slidev with the Chromium or Chrome installed
 * on this machine (playwright downloads no browser here): $CHROMIUM if set, else the usual
 * places. Arguments after -- go to `slidev export` (e.g. --with-clicks, --output).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from './external-tools.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const browser = findChromium();
if (!browser) {
  process.stderr.write('slides:export needs Chromium or Chrome and found neither: install one, or set CHROMIUM=/path/to/chrome\n');
  process.exit(1);
}
const slidev = join(dirname(createRequire(import.meta.url).resolve('@slidev/cli/package.json')), 'bin/slidev.mjs');
const args = process.argv.slice(2);
const output = args.includes('--output') ? [] : ['--output', 'slides-export.pdf'];
// The dev server Slidev prints from keeps a connection open for hot reloading, so "network idle"
// may never come: each page is printed once it has loaded, with time for a slow first build.
// Components that draw late (flame graphs, the code editor) carry data-waitfor, which Slidev
// waits for before it prints their slide; a second more lets a slide that Vite loaded late settle.
const waiting = args.includes('--wait-until') ? [] : ['--wait-until', 'load', '--wait', '1000', '--timeout', '120000'];
// Slide by slide, each waited for on its own page, one PDF page each: the whole deck in one page
// prints slides that have not loaded yet.
const perSlide = args.includes('--per-slide') ? [] : ['--per-slide'];
const exportDeck = () =>
  spawnSync(process.execPath, [slidev, 'export', 'slides.md', '--executable-path', browser, ...output, ...waiting, ...perSlide, ...args], {
    cwd: root,
    stdio: 'inherit',
  });
let result = exportDeck();
if (result.status !== 0) {
  // The first dev server after a build (or an update) re-optimizes Vite's dependencies and reloads
  // the page, which on a busy machine can outlast Slidev's 30 s wait for the first slide. Once
  // done, it is cached: a second export starts at once.
  process.stderr.write('slides:export: the export failed, once more now that the dev server has its dependencies ready\n');
  result = exportDeck();
}
process.exit(result.status ?? 1);

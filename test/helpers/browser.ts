import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pprofEntry, repoRoot } from './run.ts';
import { chromiumBinary } from './tools.ts';

/** Where browser tests save their screenshots, to be looked at (git ignores it). */
export const screenshotDirectory = join(repoRoot, 'test-results/screenshots');

/** The system Chromium, launched headless as this machine allows; undefined where there is none. */
export async function launchChromium(): Promise<Browser | undefined> {
  const executablePath = chromiumBinary();
  if (!executablePath) return undefined;
  mkdirSync(screenshotDirectory, { recursive: true });
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A page that remembers the console errors, page errors and requests it saw. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  return { page, errors, requests };
}

/** `npm run pprof -- -http=127.0.0.1:0 -no_browser ARGS`, once it says where it serves. */
export async function startPprofWeb(args: string[]): Promise<{ url: string; process: ChildProcess; stop(): void }> {
  const child = spawn(process.execPath, [pprofEntry, '-http=127.0.0.1:0', '-no_browser', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pprof -http did not start: ${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const found = /Serving web UI on (\S+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`pprof -http exited with ${code}: ${output}`)));
  });
  return { url, process: child, stop: () => child.kill() };
}

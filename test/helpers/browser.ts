import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { fixture, pprofEntry, repoRoot, runTypeScript } from './run.ts';
import { chromiumBinary } from './tools.ts';

/** The window sizes browser tests open the web UI and the deck at: a laptop's and a full-HD screen's. */
export const VIEWPORTS: readonly { readonly width: number; readonly height: number }[] = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

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

/** What a web UI test file opens pages with: see webUiOverCanonicalProfile. */
export interface CanonicalWebUi {
  /** The file's own temporary directory, removed after its tests. */
  directory: string;
  wallProfile: string;
  /** What the program timed in the profile's run: its window and each step's share of it, in ms. */
  programTiming(): { windowMs: number; measuredMs: Record<'slowNetworkRequest' | 'cpuIntensiveTask' | 'weirdFunction', number> };
  browser(): Browser;
  /** An address of the server, from a path (and query) of it. */
  url(path: string): string;
  /** Opens PATH of the server in a watched page, at VIEWPORT if given; resolves once a view is drawn. */
  open(path: string, viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[]; requests: string[] }>;
}

/**
 * For one test file of the web UI: a two-second wall profile of the canonical program (at 999 Hz), served by
 * `npm run pprof -- -http COMMAND_LINE`, and Chromium; made before the file's tests, gone after.
 */
export function webUiOverCanonicalProfile(name: string, commandLine: readonly string[] = []): CanonicalWebUi {
  const directory = mkdtempSync(join(tmpdir(), `${name}-`));
  const wallProfile = join(directory, 'wall.pb.gz');
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof startPprofWeb>> | undefined;
  let programTiming: ReturnType<CanonicalWebUi['programTiming']> | undefined;
  beforeAll(async () => {
    // At 999 Hz, not the default 99: the views under test open the hashing step's callees
    // (digest, createHash), which a 2 s window at 99 Hz, on a machine whose cores other work keeps
    // busy, sampled some 30 times and at times not in digest at all.
    const run = runTypeScript(fixture('wall/canonical-loop.ts'), ['wall', '2', wallProfile], { HZ: '999' });
    if (run.status !== 0) throw new Error(`recording the canonical program's wall profile failed: ${run.stderr}`);
    programTiming = JSON.parse(run.stdout);
    browser = await launchChromium();
    server = await startPprofWeb([...commandLine, wallProfile]);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });
  const url = (path: string) => new URL(path, server!.url).href;
  return {
    directory,
    wallProfile,
    programTiming: () => programTiming!,
    browser: () => browser!,
    url,
    async open(path, viewport) {
      const watched = await watchedPage(browser!);
      if (viewport) await watched.page.setViewportSize(viewport);
      await watched.page.goto(url(path));
      await watched.page.waitForSelector('body[data-ready]');
      return watched;
    },
  };
}

/** Serves a built site (the deck's dist/) over loopback, index.html for every path it lacks, as a static host does. */
export async function serveDirectory(directory: string): Promise<{ origin: string; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const { existsSync, readFileSync, statSync } = await import('node:fs');
  const { extname } = await import('node:path');
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.json': 'application/json',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.woff2': 'font/woff2',
    '.wasm': 'application/wasm',
  };
  const server = createServer((request, response) => {
    let path = join(directory, decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname));
    if (!path.startsWith(directory) || !existsSync(path) || statSync(path).isDirectory()) path = join(directory, 'index.html');
    response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    response.end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

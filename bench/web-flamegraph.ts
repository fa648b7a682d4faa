/**
 * How quickly the web UI draws a large flame graph in Chromium, against go tool pprof's own web
 * UI (-http, its /ui/flamegraph page) on the same profile: from navigation to a drawn graph,
 * server work included, for a profile whose flame graph has 50,000 frames. Then how long ours
 * takes to zoom to a frame and to search, the two things a person does next.
 *
 *   npm run bench -- web-flamegraph [--quick]   (--quick: 2 rounds)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { findChromium, findGo } from '../src/cli/external-tools.ts';
import { decodeProfile, writeProfile, type Frame } from '../src/pprof/index.ts';
import { flameTree, type FlameNode } from '../src/report/flamegraph.ts';
import { cpuShapedBuilder } from '../test/helpers/profile.ts';
import { median, printTable, progress, random } from './table.ts';

const FRAMES = 50_000;
const ROUNDS = 5;
const QUICK_ROUNDS = 2;

/**
 * A profile whose flame graph has FRAMES frames: each sample's stack extends the stack of an
 * earlier one by a frame (a recent one more often, so stacks grow deep), with values spread so
 * there are wide frames and a long tail of narrow ones.
 */
function largeProfile(): string {
  const directory = join(tmpdir(), 'node-pprof-bench');
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `flame-${FRAMES}.pb.gz`);
  if (existsSync(path)) return path;
  const builder = cpuShapedBuilder({ timeNanos: 1_763_700_000_000_000_000, durationNanos: 60e9, mappingFile: '/srv/large.ts' });
  const functions: Frame[] = Array.from({ length: 5000 }, (_, i) => ({
    name: `fn${i}`,
    file: `/srv/module${i % 200}.ts`,
    line: 1 + (i % 97),
    functionLine: 1,
  }));
  const next = random(7);
  const stacks: Frame[][] = [[functions[0]!]];
  for (let i = 1; i < FRAMES; i++) {
    const parent = stacks[Math.floor(i * (1 - next() ** 4 * 0.999))] ?? stacks[i - 1]!;
    // Each frame's name is unique among its siblings: a sibling of the same name would merge with it.
    stacks.push([functions[(i * 7919) % functions.length]!, ...parent]);
  }
  for (const stack of stacks) builder.addSample(stack, [1 + Math.floor(next() ** 6 * 100), 10_000_000]);
  writeProfile(path, builder.build());
  return path;
}

function countFrames(node: FlameNode): number {
  return 1 + node.children.reduce((sum, child) => sum + countFrames(child), 0);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a server process and resolves with the URL it prints. */
function serve(command: string, args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      const found = /Serving web UI on (\S+)/.exec(output);
      if (found) resolve({ url: found[1]!, child });
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${output}`)));
  });
}

/** Milliseconds from navigation to the drawn graph, in a fresh page. */
async function loadTime(browser: Browser, url: string, drawn: 'ours' | 'go'): Promise<number> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
    if (drawn === 'ours') {
      await page.waitForFunction(() => performance.getEntriesByName('pprof:flame-drawn').length > 0, undefined, { timeout: 120_000 });
      return await page.evaluate(() => performance.getEntriesByName('pprof:flame-drawn')[0]!.startTime);
    }
    // go tool pprof draws its flame graph in an inline script, before the load event ends.
    if ((await page.$$('#chart svg g')).length === 0) throw new Error('go tool pprof drew no flame graph');
    return await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd);
  } finally {
    await page.close();
  }
}

export async function run(options: { quick: boolean }): Promise<void> {
  const [GO, CHROMIUM] = [findGo(), findChromium()];
  if (!GO || !CHROMIUM) {
    console.log(`web-flamegraph: skipped, needs go tool pprof (${GO ?? 'no go found: set GO='}) and Chromium (${CHROMIUM ?? 'none found: set CHROMIUM='})`);
    return;
  }
  const rounds = options.quick ? QUICK_ROUNDS : ROUNDS;
  const path = largeProfile();
  const tree = flameTree(decodeProfile(readFileSync(path)), 1);
  const frames = countFrames(tree);
  // Zoom to a frame three deep, along the widest frames: a redraw of a large part of the graph.
  const zoomPath: string[] = [];
  for (let node = tree; zoomPath.length < 3 && node.children.length > 0; ) {
    node = node.children.reduce((widest, child) => (child.total > widest.total ? child : widest));
    zoomPath.push(node.name);
  }
  console.log(`web-flamegraph: a flame graph of ${frames.toLocaleString('en')} frames in Chromium, navigation to drawn (server work included);`);
  console.log(`${rounds} rounds, a fresh page each, median; ratio = ours / go tool pprof -http (its /ui/flamegraph)`);
  console.log('');
  const cli = fileURLToPath(new URL('../bin/pprof.mjs', import.meta.url));
  const ours = await serve(process.execPath, [cli, '-http=127.0.0.1:0', '-no_browser', path]);
  const go = await serve(GO, ['tool', 'pprof', `-http=127.0.0.1:${await freePort()}`, '-no_browser', path]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const oursMs: number[] = [];
    const goMs: number[] = [];
    const zoomMs: number[] = [];
    const searchMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      progress('load', round, rounds);
      oursMs.push(await loadTime(browser, ours.url, 'ours'));
      goMs.push(await loadTime(browser, new URL('/ui/flamegraph', go.url).href, 'go'));
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(ours.url);
      await page.waitForFunction(() => performance.getEntriesByName('pprof:flame-drawn').length > 0);
      const [zoom, search] = await page.evaluate((path) => {
        type Graph = { zoomToPath(path: string[]): void; zoomPath(): string[]; search(pattern: string): unknown };
        const graph = (document.querySelector('.flame-graph') as HTMLElement & { flameGraph: Graph }).flameGraph;
        let start = performance.now();
        graph.zoomToPath(path);
        if (graph.zoomPath().length !== path.length) throw new Error(`no frame at ${path.join(' > ')}`);
        graph.zoomToPath([]);
        const zoomed = (performance.now() - start) / 2;
        start = performance.now();
        graph.search('^fn1[0-9]+$');
        return [zoomed, performance.now() - start];
      }, zoomPath);
      zoomMs.push(zoom);
      searchMs.push(search);
      await page.close();
    }
    progress('load', rounds, rounds);
    printTable(
      ['measure', 'ours ms', 'go tool pprof ms', 'ratio'],
      [
        ['navigation to drawn flame graph', median(oursMs).toFixed(0), median(goMs).toFixed(0), `${(median(oursMs) / median(goMs)).toFixed(2)}x`],
        ['zoom to a frame (redraw)', median(zoomMs).toFixed(1), '', ''],
        ['search and highlight', median(searchMs).toFixed(1), '', ''],
      ],
    );
    console.log('');
    console.log('target: responsive on a 50k-frame profile (drawn no slower than go tool pprof; zoom and search within a frame or two)');
  } finally {
    await browser.close();
    ours.child.kill();
    go.child.kill();
  }
}

import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { VIEWPORTS, screenshotDirectory, webUiOverCanonicalProfile } from '../helpers/browser.ts';
import { runPprofCommand } from '../helpers/run.ts';
import { chromiumBinary } from '../helpers/tools.ts';

/**
 * The web UI's Graph view in real Chromium, over the canonical program's wall profile: the call
 * graph drawn in the page without Graphviz, the nodes -dot draws, callers above callees, and a
 * box that selects its function for the focus, peek and source views.
 */
const { wallProfile, url, open } = webUiOverCanonicalProfile('web-graph');

/** Each drawn box's function and place on the page. */
const boxes = (page: Page) =>
  page.$$eval('.cg-node', (nodes) =>
    nodes.map((node) => {
      const box = node.querySelector('rect')!.getBoundingClientRect();
      return { name: (node as SVGGElement).dataset.name!, x: box.x, y: box.y, width: box.width, height: box.height };
    }),
  );

describe.skipIf(!chromiumBinary())('pprof -http: the Graph view in Chromium', () => {
  it.each(VIEWPORTS)('at $width x $height draws the nodes -dot draws, callers above their callees, boxes apart', async ({ width, height }) => {
    const { page, errors } = await open('/?view=graph', { width, height });
    expect(await page.getAttribute('body', 'data-ready')).toBe('graph');
    const drawn = await boxes(page);
    // The same nodes as the -dot text's, whose tooltips name them.
    const dot = runPprofCommand(['-dot', wallProfile]).stdout;
    const dotNames = [...dot.matchAll(/^N\d+ \[label=.* tooltip="(.*) \([^)]*\)" color=/gm)].map(([, name]) => name!.replaceAll('\\"', '"'));
    expect(drawn.map((box) => box.name).sort()).toEqual(dotNames.sort());
    const at = (name: string) => drawn.find((box) => box.name === name)!;
    for (const [caller, callee] of [
      ['cpuIntensiveTask', 'update'],
      ['slowNetworkRequest', 'cpuIntensiveTask'],
    ] as const) {
      if (!at(caller) || !at(callee)) continue;
      if (dot.includes(`tooltip="${caller} -> ${callee}`)) expect(at(caller).y + at(caller).height).toBeLessThan(at(callee).y);
    }
    expect(at('cpuIntensiveTask').y + at('cpuIntensiveTask').height).toBeLessThan(at('update').y);
    // No two boxes overlap.
    for (const [i, a] of drawn.entries())
      for (const b of drawn.slice(i + 1)) {
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.name} and ${b.name}`).toBe(true);
      }
    // The heaviest flat node has the largest name.
    const fontOf = (name: string) => page.$eval(`.cg-node[data-name="${name}"] text`, (text) => Number(text.getAttribute('font-size')));
    expect(await fontOf('(wait) setTimeout 10ms')).toBeLessThan((await fontOf(at('update') ? 'update' : 'cpuIntensiveTask')) + 10);
    expect(await page.textContent('.graph-legend')).toMatch(/^Showing nodes accounting for/);
    await page.screenshot({ path: join(screenshotDirectory, `web-graph-${width}x${height}.png`) });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a click on a box selects its function; Focus keeps only its stacks, Peek shows its callers and callees', async () => {
    const { page, errors } = await open('/?view=graph', { width: 1280, height: 720 });
    await page.click('.cg-node[data-name="cpuIntensiveTask"]');
    await expect.poll(() => page.textContent('.selected-fn')).toBe('Function: cpuIntensiveTask');
    expect(await page.getAttribute('.cg-node[data-name="cpuIntensiveTask"]', 'class')).toContain('selected');
    expect(new URL(page.url()).searchParams.get('fn')).toBe('cpuIntensiveTask');
    await page.click('button:text-is("Focus on it")');
    await expect.poll(() => new URL(page.url()).searchParams.get('focus')).toBe('^cpuIntensiveTask$');
    await page.waitForSelector('body[data-ready="graph"]');
    await expect.poll(async () => (await boxes(page)).map((box) => box.name)).not.toContain('slowNetworkRequest');
    expect((await boxes(page)).map((box) => box.name)).toContain('cpuIntensiveTask');
    await page.screenshot({ path: join(screenshotDirectory, 'web-graph-focused.png') });
    await page.click('.modes button:text-is("Peek")');
    await page.waitForSelector('body[data-ready="peek"]');
    expect(await page.textContent('.peek strong')).toBe('cpuIntensiveTask');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws fewer nodes when asked, and says how many it shows', async () => {
    const { page } = await open('/?view=graph&nodecount=3', { width: 1280, height: 720 });
    expect((await boxes(page)).length).toBeLessThanOrEqual(3);
    expect(await page.textContent('.graph-legend')).toMatch(/Showing top \d nodes out of \d+/);
    const bad = await fetch(url('/api/graph?nodecount=many'));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'nodecount must be a whole number of nodes, 0 or more, got many' });
    await page.close();
  });
});

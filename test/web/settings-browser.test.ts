import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotDirectory, webUiOverCanonicalProfile } from '../helpers/browser.ts';
import { topTextRows } from '../helpers/profile.ts';
import { runPprofCommand } from '../helpers/run.ts';
import { chromiumBinary } from '../helpers/tools.ts';

/**
 * The report settings in the page, in real Chromium, over the canonical program's wall profile:
 * the command line's settings shown and applied, the granularity changed in the page and kept in
 * the address, the Top and Graph views showing what -top and -dot print with the same settings.
 */
/** The settings the server is started with, as the command line gives them. */
const COMMAND_LINE = ['-unit=ms', '-nodefraction=0.01'];
const { wallProfile, open } = webUiOverCanonicalProfile('web-settings-ui', COMMAND_LINE);

/** The report as the command line prints it, with the server's settings and `extra`. */
function pprof(report: string, extra: string[]): string {
  const result = runPprofCommand([report, ...COMMAND_LINE, ...extra, wallProfile]);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** The Top view's rows: [flat, cum, name], as the page shows them. */
const pageRows = (page: Page) =>
  page.$$eval('table.top tbody tr', (rows) => rows.map((row) => [0, 3, 5].map((column) => row.children[column]!.textContent!.trim())));

/** The nodes -dot draws, by the names its tooltips give them. */
const dotNames = (dot: string) =>
  [...dot.matchAll(/^N\d+ \[label=.* tooltip="(.*) \([^)]*\)" color=/gm)].map(([, name]) => name!.replaceAll('\\"', '"')).sort();
const graphNames = (page: Page) => page.$$eval('.cg-node', (nodes) => nodes.map((node) => (node as SVGGElement).dataset.name!).sort());

/** Chooses a granularity in the page and waits for the view it redraws. */
async function chooseGranularity(page: Page, granularity: string, view: string): Promise<void> {
  await page.selectOption('#granularity', granularity);
  await page.waitForSelector(`body[data-ready="${view}"]`);
}

describe.skipIf(!chromiumBinary())('pprof -http: report settings in Chromium', () => {
  it.each([
    [1280, 720],
    [1920, 1080],
  ])('at %ix%i shows the command line settings, and a granularity chosen in the page reaches Top and Graph and the address', async (width, height) => {
    const { page, errors } = await open('/?view=top', { width, height });
    expect(await page.getAttribute('body', 'data-ready')).toBe('top');
    // The command line's -unit and -nodefraction, though the address names neither.
    expect(await page.inputValue('#unit')).toBe('ms');
    expect(await page.inputValue('#nodefraction')).toBe('0.01');
    expect(await page.inputValue('#granularity')).toBe('functions');
    const functionRows = topTextRows(pprof('-top', []));
    expect(functionRows.length).toBeGreaterThan(2);
    expect(await pageRows(page)).toEqual(functionRows);

    await chooseGranularity(page, 'lines', 'top');
    expect(new URL(page.url()).searchParams.get('granularity')).toBe('lines');
    const lineRows = topTextRows(pprof('-top', ['-lines']));
    expect(lineRows.map(([, , name]) => name)).not.toEqual(functionRows.map(([, , name]) => name));
    expect(lineRows.some(([, , name]) => /:\d+$/.test(name!))).toBe(true);
    expect(await pageRows(page)).toEqual(lineRows);
    expect(await page.textContent('.top-legend')).toMatch(/^Showing nodes accounting for [\d.]+ms, /);
    await page.screenshot({ path: join(screenshotDirectory, `web-settings-top-lines-${width}x${height}.png`) });

    await page.click('nav.views button[data-view="graph"]');
    await page.waitForSelector('body[data-ready="graph"]');
    expect(await graphNames(page)).toEqual(dotNames(pprof('-dot', ['-lines'])));
    expect(await page.textContent('.graph-legend')).toMatch(/^Showing nodes accounting for [\d.]+ms, /);
    await page.screenshot({ path: join(screenshotDirectory, `web-settings-graph-lines-${width}x${height}.png`) });

    await chooseGranularity(page, 'files', 'graph');
    expect(await graphNames(page)).toEqual(dotNames(pprof('-dot', ['-files'])));

    // The address alone brings the view back.
    await page.reload();
    await page.waitForSelector('body[data-ready="graph"]');
    expect(await page.inputValue('#granularity')).toBe('files');
    expect(await graphNames(page)).toEqual(dotNames(pprof('-dot', ['-files'])));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('changes the unit and the node fraction in the page, and every view follows', async () => {
    const { page, errors } = await open('/?view=top', { width: 1280, height: 720 });
    await page.selectOption('#unit', 's');
    await page.waitForSelector('body[data-ready="top"]');
    await page.fill('#nodefraction', '0.2');
    await page.press('#nodefraction', 'Enter');
    await page.waitForSelector('body[data-ready="top"]');
    const query = new URL(page.url()).searchParams;
    expect([query.get('unit'), query.get('nodefraction')]).toEqual(['s', '0.2']);
    expect(await pageRows(page)).toEqual(topTextRows(runPprofCommand(['-top', '-unit=s', '-nodefraction=0.2', wallProfile]).stdout));
    await page.click('nav.views button[data-view="graph"]');
    await page.waitForSelector('body[data-ready="graph"]');
    expect(await graphNames(page)).toEqual(dotNames(runPprofCommand(['-dot', '-unit=s', '-nodefraction=0.2', wallProfile]).stdout));
    // A box's values print in seconds.
    expect(await page.$$eval('.cg-node text', (texts) => texts.map((text) => text.textContent).join(' '))).toMatch(/\d\.\d+s \(/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('at granularity=lines names flame graph frames by line, and a line in Top opens its function in the Source view', async () => {
    const { page, errors } = await open('/?view=top&granularity=lines', { width: 1280, height: 720 });
    const line = (await pageRows(page)).map(([, , name]) => name!).find((name) => /^cpuIntensiveTask .*canonical-loop\.ts:\d+$/.test(name));
    expect(line).toBeDefined();
    await page.click('nav.views button[data-view="flame"]');
    await page.waitForSelector('body[data-ready="flame"]');
    const located = await page.evaluate(
      (frame) => (document.querySelector('.flame-graph') as HTMLElement & { flameGraph: { locate(name: string): unknown } }).flameGraph.locate(frame),
      line!,
    );
    expect(located).toBeDefined();
    await page.screenshot({ path: join(screenshotDirectory, 'web-settings-flame-lines.png') });
    await page.click('nav.views button[data-view="top"]');
    await page.waitForSelector('body[data-ready="top"]');
    await page.click(`table.top a:text-is("${line}")`);
    await page.waitForSelector('body[data-ready="source"]');
    expect(await page.textContent('.listing h2')).toMatch(/^cpuIntensiveTask .*canonical-loop\.ts/);
    expect(await page.$$eval('.listing tr.hot', (rows) => rows.length)).toBeGreaterThan(0);
    await page.screenshot({ path: join(screenshotDirectory, 'web-settings-source-lines.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says what is wrong with a bad value in the page, keeps it to be corrected, and draws once it is', async () => {
    const { page } = await open('/?view=top&nodefraction=lots', { width: 1280, height: 720 });
    expect(await page.getAttribute('body', 'data-ready')).toBe('error');
    expect(await page.textContent('.error')).toBe('nodefraction must be a number, a share of the total such as 0.005, got lots');
    expect(await page.inputValue('#nodefraction')).toBe('lots');
    await page.screenshot({ path: join(screenshotDirectory, 'web-settings-bad-value.png') });
    await page.fill('#nodefraction', '0.05');
    await page.press('#nodefraction', 'Enter');
    await page.waitForSelector('body[data-ready="top"]');
    expect(await page.textContent('.error')).toBe('');
    expect(await pageRows(page)).toEqual(topTextRows(runPprofCommand(['-top', '-unit=ms', '-nodefraction=0.05', wallProfile]).stdout));
    await page.close();
  });
});

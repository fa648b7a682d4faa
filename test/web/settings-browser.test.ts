import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWPORTS, screenshotDirectory, startPprofWeb, watchedPage, webUiOverCanonicalProfile } from '../helpers/browser.ts';
import { recordProfiles } from '../helpers/recorded.ts';
import { topTextRows } from '../helpers/profile.ts';
import { runPprofCommand } from '../helpers/run.ts';
import { chromiumBinary, goBinary } from '../helpers/tools.ts';

/**
 * The report settings in the page, in real Chromium, over the canonical program's wall profile:
 * the command line's settings shown and applied, the granularity changed in the page and kept in
 * the address, the Top and Graph views showing what -top and -dot print with the same settings.
 */
/** The settings the server is started with, as the command line gives them. */
const COMMAND_LINE = ['-unit=ms', '-nodefraction=0.01'];
const { directory, wallProfile, open, browser } = webUiOverCanonicalProfile('web-settings-ui', COMMAND_LINE);

/** The report as the command line prints it, with the server's settings and `extra`. */
function pprof(report: string, extra: string[]): string {
  const result = runPprofCommand([report, ...COMMAND_LINE, ...extra, wallProfile]);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** The Top view's rows: [flat, cum, name], as the page shows them, the name followed by the inlined? column's mark as -top prints it. */
const pageRows = (page: Page) =>
  page.$$eval('table.top tbody tr', (rows) =>
    rows.map((row) => {
      const [flat, cum, name, inline] = [0, 3, 5, 6].map((column) => row.children[column]!.textContent!.trim());
      return [flat, cum, inline ? `${name} ${inline}` : name];
    }),
  );

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
  it.each(VIEWPORTS)(
    'at $width x $height shows the command line settings, and a granularity chosen in the page reaches Top and Graph and the address',
    async ({ width, height }) => {
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
    },
  );

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

/** Where each cell of the Top view's inlined? column lies, against its heading and the window, and on how many lines its mark is. */
const inlineColumn = (page: Page) =>
  page.evaluate(() => {
    const heading = document.querySelector('table.top th.inline')!.getBoundingClientRect();
    const cells = [...document.querySelectorAll('table.top td.inline')];
    const linesOf = (cell: Element) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return range.getClientRects().length;
    };
    return {
      heading: { left: heading.left, right: heading.right },
      lefts: [...new Set(cells.map((cell) => Math.round(cell.getBoundingClientRect().left)))],
      markLines: [...new Set(cells.filter((cell) => cell.textContent).map(linesOf))],
      pageWidth: document.documentElement.scrollWidth,
    };
  });

describe.skipIf(!chromiumBinary() || !goBinary())('pprof -http: the Top view marks inlined calls in Chromium', () => {
  let goProfile = '';
  let server: Awaited<ReturnType<typeof startPprofWeb>> | undefined;
  beforeAll(async () => {
    // A Go program's CPU profile: its binary inlines calls, which the profile keeps as frames of one location.
    recordProfiles(directory, ['go'], goBinary());
    goProfile = join(directory, 'go-cpu.pb.gz');
    server = await startPprofWeb([goProfile]);
  }, 120_000);
  afterAll(() => server?.stop());

  it.each(VIEWPORTS)(
    'at $width x $height shows in its inlined? column what -top marks, by function and by line, in a column that fits',
    async ({ width, height }) => {
      const { page, errors } = await watchedPage(browser());
      await page.setViewportSize({ width, height });
      await page.goto(new URL('/?view=top', server!.url).href);
      await page.waitForSelector('body[data-ready="top"]');
      expect(await page.textContent('table.top th.inline')).toBe('inlined?');
      for (const granularity of ['functions', 'lines']) {
        if (granularity !== 'functions') await chooseGranularity(page, granularity, 'top');
        const printed = runPprofCommand(['-top', `-${granularity}`, goProfile]);
        expect(printed.status, printed.stderr).toBe(0);
        const rows = topTextRows(printed.stdout);
        expect(rows.some(([, , name]) => name!.endsWith(' (inline)'))).toBe(true);
        expect(await pageRows(page)).toEqual(rows);
        const column = await inlineColumn(page);
        // Every mark starts where its heading does, the column is inside the window, nothing scrolls sideways.
        expect(column.lefts).toEqual([Math.round(column.heading.left)]);
        expect(column.heading.right).toBeLessThanOrEqual(width);
        expect(column.pageWidth).toBeLessThanOrEqual(width);
        expect(column.markLines).toEqual([1]);
        await page.screenshot({ path: join(screenshotDirectory, `web-top-inlined-${granularity}-${width}x${height}.png`), fullPage: true });
      }
      expect(errors).toEqual([]);
      await page.close();
    },
  );
});

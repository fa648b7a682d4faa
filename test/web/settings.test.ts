import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyMapping, emptyProfile, writeProfile, type Location, type Profile, type ProfileFunction } from '../../src/pprof/index.ts';
import { scaledLabel } from '../../src/report/measurement.ts';
import type { GraphView, PeekView, ProfileView, SourceView } from '../../src/report/views.ts';
import { TOP_VIEW_ROWS, serveWebUi, type WebUi } from '../../src/web/server.ts';
import { startPprofWeb } from '../helpers/browser.ts';
import { cpuShapedBuilder, topTextRows } from '../helpers/profile.ts';
import { runPprofCommand } from '../helpers/run.ts';

/**
 * The report settings in the web UI's routes: the ones the server starts with (the command line's)
 * apply to every view, a query changes them, and a bad one is a 400 that says what is wrong.
 */
const here = new URL(import.meta.url).pathname;
const file = basename(here);
const frame = (name: string, line: number) => ({ name, file: here, line });

function profile() {
  const builder = cpuShapedBuilder();
  builder.addSample([frame('hash', 30), frame('handle', 20), frame('main', 10)], [6, 60_000_000]);
  builder.addSample([frame('hash', 31), frame('handle', 21), frame('main', 10)], [2, 20_000_000]);
  builder.addSample([frame('sleep', 40), frame('handle', 22), frame('main', 10)], [1, 10_000_000]);
  builder.addSample([frame('main', 11)], [1, 10_000_000]);
  return builder.build();
}

/**
 * A Go-shaped profile with inlined calls, a location holding its inlined frames innermost first:
 * `leaf` is always inlined into `caller`; `mix` is inlined into `caller` at one line and called
 * from `other`, not inlined, at another.
 */
function inlinedProfile(): Profile {
  const profile = emptyProfile([
    { type: 'samples', unit: 'count' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  profile.periodType = { type: 'cpu', unit: 'nanoseconds' };
  profile.period = 10_000_000;
  const mapping = { ...emptyMapping(1), memoryStart: 0x1000n, memoryLimit: 0x9000n, filename: '/app/server', hasFunctions: true, hasLineNumbers: true };
  const names = ['leaf', 'mix', 'caller', 'other', 'main'];
  const functions = names.map(
    (name, i): ProfileFunction => ({ id: i + 1, name: `app.${name}`, systemName: `app.${name}`, filename: '/app/server.go', startLine: 0 }),
  );
  const at = (id: number, ...frames: [name: string, line: number][]): Location => ({
    id,
    mapping,
    address: 0x1000n + BigInt(id) * 0x10n,
    lines: frames.map(([name, line]) => ({ function: functions[names.indexOf(name)]!, line, column: 0 })),
    isFolded: false,
  });
  const [mixInCaller, leafInCaller, mixAlone, other, main] = [
    at(1, ['mix', 5], ['caller', 12]),
    at(2, ['leaf', 8], ['caller', 13]),
    at(3, ['mix', 6]),
    at(4, ['other', 30]),
    at(5, ['main', 20]),
  ];
  profile.mappings = [mapping];
  profile.functions = functions;
  profile.locations = [mixInCaller, leafInCaller, mixAlone, other, main];
  const sample = (locations: Location[], count: number) => ({ locations, values: [count, count * 10_000_000], labels: [] });
  profile.samples = [sample([mixInCaller, main], 5), sample([leafInCaller, main], 2), sample([mixAlone, other, main], 3), sample([main], 1)];
  return profile;
}

const directory = mkdtempSync(join(tmpdir(), 'web-settings-'));
const profileFile = join(directory, 'cpu.pb.gz');
const inlinedFile = join(directory, 'inlined.pb.gz');
let plain: WebUi;
let started: WebUi;
beforeAll(async () => {
  writeProfile(profileFile, profile());
  writeProfile(inlinedFile, inlinedProfile());
  plain = await serveWebUi(profile(), { host: '127.0.0.1', port: 0, title: 'plain.pb.gz' });
  // As `-lines -unit=ms -nodefraction=0.15 -trim_path=DIR` would start it.
  started = await serveWebUi(profile(), {
    host: '127.0.0.1',
    port: 0,
    title: 'started.pb.gz',
    settings: { cum: false, filters: {}, granularity: 'lines', unit: 'ms', nodeFraction: 0.15, trimPath: dirname(here) },
  });
});
afterAll(async () => {
  await plain?.close();
  await started?.close();
  rmSync(directory, { recursive: true, force: true });
});

const json = async <T>(web: WebUi, path: string): Promise<T> => {
  const response = await fetch(new URL(path, web.url));
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as T;
};

/** The Top view's rows as the page prints them, in the unit -top prints them in: [flat, cum, name and its Inlined? mark, as -top joins them]. */
const viewRows = (view: ProfileView) =>
  view.top.map((row) => [
    scaledLabel(row.flat, view.flame.unit, view.topUnit),
    scaledLabel(row.cum, view.flame.unit, view.topUnit),
    row.inline ? `${row.name} ${row.inline}` : row.name,
  ]);

describe('the web UI with report settings', () => {
  it('opens with the starting settings in its address, and applies them to every route when the query has none', async () => {
    expect(started.url).toMatch(/\/\?granularity=lines&unit=ms&nodefraction=0\.15$/);
    const view = await json<ProfileView>(started, '/api/profile?si=cpu');
    expect(view.settings).toEqual({ granularity: 'lines', unit: 'ms', nodeFraction: 0.15, edgeFraction: 0.001, cum: false });
    // Lines, file names cut by -trim_path, nodes under 15% of the total left out.
    expect(view.top.map((row) => row.name)).toEqual([`hash ${file}:30`, `hash ${file}:31`, `handle ${file}:20`, `handle ${file}:21`, `main ${file}:10`]);
    expect(view.topLegend).toEqual(['Showing nodes accounting for 80ms, 80.00% of 100ms total', 'Dropped 3 nodes (cum <= 15ms)']);
    expect(view.topUnit).toBe('ms');
    expect(view.flame.names).toContain(`handle ${file}:21`);
    const graph = await json<GraphView>(started, '/api/graph?si=cpu');
    expect(graph.nodes.map((node) => node.name).sort()).toEqual([
      `handle ${file}:20`,
      `handle ${file}:21`,
      `hash ${file}:30`,
      `hash ${file}:31`,
      `main ${file}:10`,
    ]);
    expect(graph.outputUnit).toBe('ms');
    const peek = await json<PeekView>(started, `/api/peek?si=cpu&fn=${encodeURIComponent(`handle ${file}:20`)}`);
    expect(peek).toMatchObject({ cum: 60_000_000, callers: [{ name: `main ${file}:10`, weight: 60_000_000 }], callees: [{ name: `hash ${file}:30` }] });
    // The source view lists the function a line is in.
    const source = await json<SourceView>(started, `/api/source?si=cpu&fn=${encodeURIComponent(`hash ${file}:31`)}`);
    expect(source.listings.map((listing) => [listing.name, listing.flat])).toEqual([['hash', 80_000_000]]);
    const svg = await (await fetch(new URL('/download/svg?si=cpu', started.url))).text();
    expect(svg).toContain(`>hash ${file}:30</text>`);
  });

  it('the query changes them: another granularity, unit or fraction, and an empty value is the default again', async () => {
    const functions = await json<ProfileView>(started, '/api/profile?si=cpu&granularity=functions&unit=&nodefraction=');
    expect(functions.settings).toEqual({ granularity: 'functions', unit: 'minimum', nodeFraction: 0.005, edgeFraction: 0.001, cum: false });
    expect(functions.top.map((row) => row.name)).toEqual(['hash', 'main', 'sleep', 'handle']);
    expect(functions.flame.names).toEqual(['root', 'main', 'handle', 'hash', 'sleep']);
    const files = await json<ProfileView>(plain, '/api/profile?si=cpu&granularity=files');
    expect(files.top.map((row) => row.name)).toEqual([here]);
    const source = await json<SourceView>(plain, `/api/source?si=cpu&granularity=files&fn=${encodeURIComponent(here)}`);
    expect(source.listings.map((listing) => listing.name)).toEqual(['handle', 'hash', 'main', 'sleep']);
    const graph = await json<GraphView>(plain, '/api/graph?si=cpu&granularity=functions&nodefraction=0.5&unit=s');
    expect(graph.nodes.map((node) => node.name).sort()).toEqual(['handle', 'hash', 'main']);
    expect(graph.outputUnit).toBe('s');
    expect(graph.legend).toContain('Dropped 1 node (cum <= 0.05s)');
    // -source_path and -trim_path are the command line's: a query cannot say where the server reads files.
    const untrimmed = await json<ProfileView>(started, '/api/profile?si=cpu&trim_path=/elsewhere');
    expect(untrimmed.top[0]!.name).toBe(`hash ${file}:30`);
  });

  it.each([
    ['functions', 'minimum'],
    ['lines', 'ms'],
    ['files', 'auto'],
    ['addresses', 's'],
  ])('lists at granularity=%s, unit=%s the rows -top prints', async (granularity, unit) => {
    const view = await json<ProfileView>(plain, `/api/profile?si=cpu&granularity=${granularity}&unit=${unit}`);
    const text = runPprofCommand(['-top', `-${granularity}`, `-unit=${unit}`, profileFile]);
    expect(text.status, text.stderr).toBe(0);
    const rows = topTextRows(text.stdout);
    expect(rows.length).toBeGreaterThan(0);
    if (unit === 'auto') expect(view.top.map((row) => row.name)).toEqual(rows.map((row) => row[2]));
    else expect(viewRows(view)).toEqual(rows);
  });

  it.each([
    ['/api/profile?granularity=bogus', 'granularity must be one of functions, filefunctions, files, lines, addresses, got bogus'],
    ['/api/graph?nodefraction=lots', 'nodefraction must be a number, a share of the total such as 0.005, got lots'],
    ['/api/graph?edgefraction=1%25', 'edgefraction must be a number, a share of the total such as 0.005, got 1%'],
    ['/api/graph?nodecount=-3', 'nodecount must be a whole number of nodes, 0 or more, got -3'],
    ['/api/peek?fn=hash&granularity=lines', 'no function hash in this view of the profile (granularity=lines)'],
    ['/api/source?fn=hash&granularity=line', 'granularity must be one of functions, filefunctions, files, lines, addresses, got line'],
    ['/download/svg?si=wall', 'sample_index=wall is not in this profile: use one of samples, cpu (or 0 to 1)'],
  ])('answers %s with 400 and what is wrong, and stays up', async (path, message) => {
    const response = await fetch(new URL(path, plain.url));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: message });
    expect((await fetch(new URL('/api/profile', plain.url))).status).toBe(200);
  });
});

describe('the Top view of a profile with many functions', () => {
  it(`lists ${TOP_VIEW_ROWS} rows at most, the rows and legend of -top -nodecount=${TOP_VIEW_ROWS}, as go tool pprof's web UI does`, async () => {
    const builder = cpuShapedBuilder();
    for (let i = 0; i < TOP_VIEW_ROWS + 100; i++) builder.addSample([frame(`fn${i}`, i + 1), frame('main', 10)], [1 + (i % 7), (1 + (i % 7)) * 10_000_000]);
    const path = join(directory, 'many.pb.gz');
    writeProfile(path, builder.build());
    const web = await serveWebUi(builder.build(), { host: '127.0.0.1', port: 0, title: 'many.pb.gz', settings: { cum: false, filters: {}, nodeFraction: 0 } });
    try {
      const view = (await (await fetch(new URL('/api/profile', web.url))).json()) as ProfileView;
      const text = runPprofCommand(['-top', '-nodefraction=0', `-nodecount=${TOP_VIEW_ROWS}`, path]).stdout;
      expect(view.top).toHaveLength(TOP_VIEW_ROWS);
      expect(viewRows(view)).toEqual(topTextRows(text));
      expect(view.topLegend).toEqual(text.split('\n').filter((line) => /^(Showing|Dropped)/.test(line)));
      expect(view.topLegend[1]).toBe(`Showing top ${TOP_VIEW_ROWS} nodes out of ${TOP_VIEW_ROWS + 101}`);
    } finally {
      await web.close();
    }
  });
});

describe('npm run pprof -- -http with report settings', () => {
  it('serves every view with the command line settings', async () => {
    const server = await startPprofWeb(['-lines', '-unit=ms', '-nodefraction=0.15', '-sample_index=samples', '-cum', profileFile]);
    try {
      expect(new URL(server.url).search).toBe('?si=samples&granularity=lines&unit=ms&nodefraction=0.15');
      // Without a query too: the command line's settings are the server's.
      const view = (await (await fetch(new URL('/api/profile', server.url))).json()) as ProfileView;
      // -cum: the Top view is sorted by cum.
      expect(view.settings).toMatchObject({ granularity: 'lines', unit: 'ms', nodeFraction: 0.15, cum: true });
      expect(view.sampleIndex).toBe(0);
      const text = runPprofCommand(['-top', '-lines', '-unit=ms', '-nodefraction=0.15', '-sample_index=samples', '-cum', profileFile]).stdout;
      expect(viewRows(view)).toEqual(topTextRows(text));
      expect(view.topLegend).toEqual(text.split('\n').filter((line) => /^(Showing|Dropped)/.test(line)));
    } finally {
      server.stop();
    }
  });

  it.each(['functions', 'filefunctions', 'lines', 'files', 'addresses'])(
    'at granularity=%s marks in Top the rows -top marks (inline) and (partial-inline), and downloads folded stacks and the flame graph as -folded and -flamegraph write them',
    async (granularity) => {
      const server = await startPprofWeb([inlinedFile]);
      try {
        const view = (await (await fetch(new URL(`/api/profile?granularity=${granularity}`, server.url))).json()) as ProfileView;
        const text = runPprofCommand(['-top', `-${granularity}`, inlinedFile]);
        expect(text.status, text.stderr).toBe(0);
        const rows = topTextRows(text.stdout);
        expect(viewRows(view)).toEqual(rows);
        // The mark is its own column, never part of the name the other views are asked for by.
        expect(view.top.every((row) => !row.name.includes('inline'))).toBe(true);
        if (granularity === 'functions') {
          expect(view.top.filter((row) => row.inline).map((row) => `${row.name} ${row.inline}`)).toEqual(['app.mix (partial-inline)', 'app.leaf (inline)']);
        }
        if (granularity === 'lines') expect(view.top.filter((row) => row.inline).map((row) => row.inline)).toContain('(inline)');

        const download = await fetch(new URL(`/download/folded?granularity=${granularity}`, server.url));
        expect(download.status).toBe(200);
        const folded = runPprofCommand(['-folded', `-${granularity}`, inlinedFile]);
        expect(folded.status, folded.stderr).toBe(0);
        expect(await download.text()).toBe(folded.stdout);

        const svg = await fetch(new URL(`/download/svg?granularity=${granularity}`, server.url));
        expect(svg.status).toBe(200);
        const flamegraph = runPprofCommand(['-flamegraph', `-${granularity}`, inlinedFile]);
        expect(flamegraph.status, flamegraph.stderr).toBe(0);
        expect(await svg.text()).toBe(flamegraph.stdout);
      } finally {
        server.stop();
      }
    },
  );

  it('-folded names frames at the granularity asked for, as the other reports do: by function unless told otherwise', () => {
    const folded = (...args: string[]) => runPprofCommand(['-folded', ...args, inlinedFile]).stdout;
    expect(folded()).toBe(
      ['app.main 10000000', 'app.main;app.caller;app.leaf 20000000', 'app.main;app.caller;app.mix 50000000', 'app.main;app.other;app.mix 30000000', ''].join(
        '\n',
      ),
    );
    expect(folded('-lines')).toBe(
      [
        'app.main /app/server.go:20 10000000',
        'app.main /app/server.go:20;app.caller /app/server.go:12;app.mix /app/server.go:5 50000000',
        'app.main /app/server.go:20;app.caller /app/server.go:13;app.leaf /app/server.go:8 20000000',
        'app.main /app/server.go:20;app.other /app/server.go:30;app.mix /app/server.go:6 30000000',
        '',
      ].join('\n'),
    );
    expect(folded('-files', '-trim_path=/app')).toBe('server.go 10000000\nserver.go;server.go;server.go 100000000\n');
  });

  it.each([
    [['-sample_index=wall'], 'pprof: sample_index=wall is not in this profile: use one of samples, cpu (or 0 to 1)'],
    [['-focus=('], 'pprof: -focus=( is not a regular expression: '],
    [['-tagfocus=route=('], 'pprof: -tagfocus=( is not a regular expression: '],
    [['-granularity=line'], 'pprof: -granularity must be one of functions, filefunctions, files, lines, addresses, got line'],
    [['-nodefraction=half'], 'pprof: -nodefraction must be a number, a share of the total such as 0.005, got half'],
  ])('refuses %j with -http in one line, and serves nothing', (args, message) => {
    const result = runPprofCommand(['-http=127.0.0.1:0', '-no_browser', ...args, profileFile]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    // The regular expression's own complaint is V8's, in words that may change.
    expect(result.stderr.trim().split('\n').at(-1)!.startsWith(message), result.stderr).toBe(true);
  });

  it('serves the prompt settings of the moment from web', () => {
    const result = runPprofCommand(['-no_browser', profileFile], {}, 'granularity=lines\nunit=ms\nweb\nquit\n');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Serving web UI on http:\/\/127\.0\.0\.1:\d+\/\?granularity=lines&unit=ms\n/);
  });
});

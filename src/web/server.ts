/**
 * The web UI of npm run pprof -- -http=[host]:port: a flame graph (also as an icicle and as the
 * callers of a function), top, source and peek views, over one profile, with the sample type,
 * the filters and a comparison with a base chosen in the page. The page asks for each view as
 * JSON from the routes below and draws it; nothing is loaded from elsewhere, so it works
 * offline. Loopback only unless a host is named; every route answers only requests addressed
 * to this machine (421 otherwise: see http/host.ts), and /api/source reads only source files.
 *
 *   GET /                 the page
 *   GET /app.js, /app.css the page's script and style
 *   GET /api/profile      the flame graph (or ?callers=FN the tree of FN's callers) and top rows
 *   GET /api/source?fn=F  F's source lines with their costs
 *   GET /api/peek?fn=F    F's callers and callees
 *   GET /api/graph        the call graph's nodes and calls, trimmed as -dot trims them (?nodecount=N)
 *   GET /download/svg     the flame graph as drawn (?orientation, ?callers, ?zoom=NAME...)
 *   GET /download/folded  the profile as folded stacks, frames named at the granularity
 *
 * Every route starts from the settings the server was started with (the command line's) and takes
 * the report settings in its query, by the names the command line gives them: ?si=SAMPLE_TYPE,
 * ?granularity ?unit ?nodefraction ?edgefraction ?nodecount, and the filters ?focus ?ignore ?hide
 * ?show ?tagfocus ?tagignore. A setting in the query replaces the server's (an empty one clears
 * it); each is read by the report driver's applySetting, and a bad one answers 400 with what is
 * wrong. -source_path and -trim_path come from the command line only: they say where the server
 * reads files.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import type { Profile } from '../pprof/index.ts';
import { FILTER_NAMES, FilterError, compileFilters, compiledFrom, type CompiledFilters, type Filters } from '../report/filter.ts';
import { flameData, flameTree } from '../report/flamegraph.ts';
import { defaultSampleIndex, foldedStacks } from '../report/folded.ts';
import { escapeMarkup } from '../report/markup.ts';
import { buildGraph, printableName, sortEdges, stackFrameNames, type GraphNode, type Granularity } from '../report/graph.ts';
import { sourceListings, type SourceRefusal } from '../report/list.ts';
import { BASE_LABEL } from '../report/merge.ts';
import { graphView } from '../report/dot.ts';
import type { SourcePaths } from '../report/source-path.ts';
import { flameGraphSvg } from '../report/svg.ts';
import { EDGE_FRACTION, NODE_FRACTION, inlineLabel, profileLabels, topGraph, valueFormat } from '../report/top.ts';
import type { PeekView, ProfileView, ViewSettings } from '../report/views.ts';
import { applySetting, isInputError, reportInput, sampleIndexOf, type ReportInput, type SettingName, type Settings } from '../report/driver.ts';
import { misdirectedReason } from '../http/host.ts';
import { bundleClient } from './client-bundle.ts';

export interface WebUiOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** What the page is about: the sources' names, in its title. */
  title: string;
  /**
   * The settings every view starts from (the command line's, or the prompt's: read at each
   * request, so a setting changed at the prompt reaches the page's next view).
   */
  settings?: Settings;
  /** The starting settings' filters as checkSettings compiled them, so that they are not compiled again. */
  filters?: CompiledFilters;
}

export interface WebUi {
  /** The page's address, with the starting settings in its query. */
  readonly url: string;
  close(): Promise<void>;
}

/** Labels offered for the tag filters: enough to choose from, not a whole profile's request ids. */
const MAX_LABELS = 200;

/**
 * The report settings a request's query may change, by the names the command line gives them
 * (`si`, as go tool pprof's web UI names it, for -sample_index). Not -source_path and
 * -trim_path: they say where the server reads files, which only who started it chooses.
 */
const QUERY_SETTINGS: readonly (readonly [param: string, name: SettingName])[] = [
  ['si', 'sample_index'],
  ['granularity', 'granularity'],
  ['unit', 'unit'],
  ['nodefraction', 'nodefraction'],
  ['edgefraction', 'edgefraction'],
  ['nodecount', 'nodecount'],
  ...FILTER_NAMES.map((name) => [name, name] as const),
];

class BadRequest extends Error {}

/** Starts the web UI over `source` (left as it is: every request filters its own copy). */
export async function serveWebUi(source: Profile, options: WebUiOptions): Promise<WebUi> {
  // Loaded here, not with the module: importing node:http costs a report's start some 50 ms (Node 24).
  const { createServer } = await import('node:http');
  const client = await bundleClient();
  const startingSettings = (): Settings => options.settings ?? { cum: false, filters: {} };
  // The names it answers to besides localhost, its addresses and the machine's name: -http=NAME:port.
  const served = options.host ? [options.host] : [];
  // The filters last compiled: a page asks for its views with the same ones, request after request.
  let compiled = options.filters;
  const compiledFor = (filters: Filters): CompiledFilters => {
    if (!compiled || !compiledFrom(compiled, filters)) compiled = compileFilters(filters);
    return compiled;
  };
  const server = createServer((request, response) => {
    const misdirected = misdirectedReason(request.headers.host, served);
    if (misdirected) {
      send(response, 421, 'text/plain', `${misdirected}\n`);
      return;
    }
    try {
      route(source, startingSettings(), compiledFor, client, options.title, request, response);
    } catch (error) {
      const status = error instanceof BadRequest || isInputError(error) ? 400 : 500;
      send(
        response,
        status,
        'application/json',
        JSON.stringify({ error: status === 400 ? (error as Error).message : `the server failed: ${(error as Error).message}` }),
      );
      if (status === 500) console.error(error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    get url() {
      return `http://${host}:${port}/${settingsQuery(source, startingSettings())}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function route(
  source: Profile,
  starting: Settings,
  compiledFor: (filters: Filters) => CompiledFilters,
  client: { script: string; stylesheet: string },
  title: string,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'text/plain', 'the web UI only reads: use GET\n');
    return;
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  const params = url.searchParams;
  switch (url.pathname) {
    case '/':
      return send(response, 200, 'text/html; charset=utf-8', pageHtml(title, settingsQuery(source, starting)));
    case '/app.js':
      return send(response, 200, 'text/javascript; charset=utf-8', client.script);
    case '/app.css':
      return send(response, 200, 'text/css; charset=utf-8', client.stylesheet);
  }
  if (!url.pathname.startsWith('/api/') && !url.pathname.startsWith('/download/')) return send(response, 404, 'text/plain', `no such page: ${url.pathname}\n`);
  const settings = requestSettings(starting, params);
  const filters = compiledFor(settings.filters);
  const granularity = settings.granularity ?? 'functions';
  const paths: SourcePaths = { search: settings.sourcePath ?? '', trim: settings.trimPath ?? '' };
  switch (url.pathname) {
    case '/api/profile':
      return send(response, 200, 'application/json', JSON.stringify(profileView(source, settings, filters, params)));
    case '/api/source': {
      const { profile, sampleIndex } = selected(source, settings, filters);
      const symbol = sourceSymbol(profile, sampleIndex, required(params, 'fn'), granularity, paths);
      const listings = sourceListings(profile, sampleIndex, symbol, { refusal: sourceRefusal, sourcePath: paths.search, trimPath: paths.trim });
      return send(response, 200, 'application/json', JSON.stringify(listings));
    }
    case '/api/peek':
      return send(response, 200, 'application/json', JSON.stringify(peekView(source, settings, filters, required(params, 'fn'))));
    case '/api/graph': {
      const { profile, sampleIndex, total } = selected(source, settings, filters);
      const { nodeCount, nodeFraction, edgeFraction, unit } = settings;
      return send(
        response,
        200,
        'application/json',
        JSON.stringify(graphView(profile, { sampleIndex, total, nodeCount, nodeFraction, edgeFraction, granularity, unit, paths })),
      );
    }
    case '/download/svg': {
      const { profile, sampleIndex } = selected(source, settings, filters);
      const orientation = params.get('orientation') === 'icicle' ? 'icicle' : 'flame';
      const callersOf = params.get('callers') ?? undefined;
      const frameNames = stackFrameNames(profile, granularity, paths);
      const svg = flameGraphSvg(profile, sampleIndex, { orientation, callersOf, zoom: params.getAll('zoom'), frameNames });
      return send(response, 200, 'image/svg+xml', svg, `${callersOf ? 'callers' : orientation}.svg`);
    }
    case '/download/folded': {
      const { profile, sampleIndex } = selected(source, settings, filters);
      const folded = foldedStacks(profile, sampleIndex, stackFrameNames(profile, granularity, paths));
      return send(response, 200, 'text/plain; charset=utf-8', folded, 'profile.folded');
    }
    default:
      return send(response, 404, 'text/plain', `no such page: ${url.pathname}\n`);
  }
}

/** The server's settings with the query's applied over them, each read as the command line reads it. */
function requestSettings(starting: Settings, params: URLSearchParams): Settings {
  const settings: Settings = { ...starting, filters: { ...starting.filters } };
  for (const [param, name] of QUERY_SETTINGS) {
    const value = params.get(param);
    if (value !== null) applySetting(settings, name, value, param);
  }
  return settings;
}

/** What a profile's source is written in: the only files /api/source reads. */
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?|vue|svelte|go|rs|py|rb|java|kt|scala|cs|swift|php|c|cc|cpp|cxx|h|hh|hpp)$/i;

/**
 * The page lists the source of the functions the profile names, and nothing else a profile
 * could name: a profile read from elsewhere may name any file. A file is read when its name
 * (normalised: no `..` is left in it) is a source file's and it is, links followed, a source
 * file inside the directory its name resolves to.
 */
const sourceRefusal: SourceRefusal = (file, path) => {
  const refused = `${file} is not served: the web UI shows source files only (.ts, .js, .go...), where the profile names them`;
  if (!SOURCE_FILE.test(file)) return refused;
  try {
    const real = realpathSync(path);
    if (!SOURCE_FILE.test(real) || !real.startsWith(`${realpathSync(dirname(path))}${sep}`) || !statSync(real).isFile()) return refused;
  } catch {
    // Missing: the listing says so, as for any file it cannot open.
  }
  return undefined;
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The functions the source view lists for a node the page names at its granularity: the node's
 * function (`main.run main.go:12` at -lines is main.run), or at -files every function of the file.
 */
function sourceSymbol(profile: Profile, sampleIndex: number, name: string, granularity: Granularity, paths: SourcePaths): RegExp {
  let functions = [name];
  if (granularity !== 'functions') {
    const nodes = buildGraph(profile, sampleIndex, granularity, { edges: false, paths }).filter((node) => printableName(node.info) === name);
    const files = new Set(nodes.filter((node) => node.info.name === '' && node.info.file !== '').map((node) => node.info.file));
    const inFiles =
      files.size === 0 ? [] : buildGraph(profile, sampleIndex, 'filefunctions', { edges: false, paths }).filter((node) => files.has(node.info.file));
    const named = [...new Set([...nodes, ...inFiles].map((node) => node.info.name).filter(Boolean))].sort();
    if (named.length > 0) functions = named;
  }
  return new RegExp(functions.length === 1 ? `^${escapeRegExp(functions[0]!)}$` : `^(?:${functions.map(escapeRegExp).join('|')})$`);
}

function send(response: ServerResponse, status: number, type: string, body: string, download?: string): void {
  const headers: Record<string, string> = { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  if (download) headers['content-disposition'] = `attachment; filename="${download}"`;
  response.writeHead(status, headers);
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (!value) throw new BadRequest(`?${name}= is missing: name a function, as the top view lists them`);
  return value;
}

/** The profile as the settings' sample type and filters (`filters`: compiled) select it. */
function selected(source: Profile, settings: Settings, filters: CompiledFilters): ReportInput {
  const input = reportInput(source, settings, filters);
  // A page of nothing says less than why: the web UI answers with the reason instead.
  if (input.unmatched.length > 0) throw new FilterError(input.unmatched.join('; '));
  return input;
}

/** The Top view's rows at most, whatever -nodecount says, as in go tool pprof's web UI. */
export const TOP_VIEW_ROWS = 500;

function profileView(source: Profile, settings: Settings, filters: CompiledFilters, params: URLSearchParams): ProfileView {
  const { profile, sampleIndex, total, notes } = selected(source, settings, filters);
  const { granularity = 'functions', nodeFraction = NODE_FRACTION, edgeFraction = EDGE_FRACTION, unit = 'minimum', cum } = settings;
  const paths: SourcePaths = { search: settings.sourcePath ?? '', trim: settings.trimPath ?? '' };
  const view = valueFormat(profile, sampleIndex, total);
  view.outputUnit = unit;
  const callers = params.get('callers') || undefined;
  // By function, inlined frames spelled out, as flame graphs draw them; else as -top names its nodes.
  const frameNames = stackFrameNames(profile, granularity, paths);
  const tree = flameTree(profile, sampleIndex, { callersOf: callers, frameNames });
  const flame = flameData(tree, view.type, view.unit);
  // The rows -top prints, with its header's lines on what it shows and drops; at most
  // TOP_VIEW_ROWS, as go tool pprof's Top view: a profile of 200,000 functions is a page of them.
  const top = topGraph(profile, { sampleIndex, total, granularity, nodeCount: TOP_VIEW_ROWS, nodeFraction, edgeFraction, unit, paths, cum, compact: true });
  const effective: ViewSettings = { granularity, unit, nodeFraction, edgeFraction, cum };
  return {
    sampleTypes: profile.sampleTypes.map((type) => type.type),
    sampleIndex,
    header: profileLabels(profile, view),
    notes,
    diff: flame.base !== undefined,
    labels: labelPairs(source),
    settings: effective,
    // Percentages of the whole profile, as the text reports': a focused view shows its share.
    flame: { ...flame, percentOf: total },
    top: top.graph.nodes.map((node) => ({ name: printableName(node.info), flat: node.flat, cum: node.cum, inline: inlineLabel(node) })),
    topLegend: top.header,
    topUnit: top.view.outputUnit,
  };
}

function peekView(source: Profile, settings: Settings, filters: CompiledFilters, fn: string): PeekView {
  const { profile, sampleIndex } = selected(source, settings, filters);
  const granularity = settings.granularity ?? 'functions';
  const paths: SourcePaths = { search: settings.sourcePath ?? '', trim: settings.trimPath ?? '' };
  const node = buildGraph(profile, sampleIndex, granularity, { paths }).find((candidate: GraphNode) => printableName(candidate.info) === fn);
  if (!node) throw new BadRequest(`no function ${fn} in this view of the profile${granularity === 'functions' ? '' : ` (granularity=${granularity})`}`);
  return {
    name: fn,
    flat: node.flat,
    cum: node.cum,
    callers: sortEdges(node.in.values()).map((edge) => ({ name: printableName(edge.src.info), weight: edge.weight })),
    callees: sortEdges(node.out.values()).map((edge) => ({ name: printableName(edge.dest.info), weight: edge.weight })),
  };
}

/** The label pairs of the profile's samples, sorted, for the tag filters' suggestions. */
function labelPairs(profile: Profile): string[] {
  const pairs = new Set<string>();
  for (const sample of profile.samples) {
    for (const { key, str, num } of sample.labels) {
      if (key === BASE_LABEL) continue;
      pairs.add(str !== '' ? `${key}=${str}` : `${key}=${num}`);
      if (pairs.size >= MAX_LABELS) break;
    }
  }
  return [...pairs].sort();
}

/**
 * Settings as the page's query (`?si=...&granularity=lines&focus=...`, or nothing), by the names
 * requests take them (QUERY_SETTINGS), so the page opens with them and a link keeps them.
 */
export function settingsQuery(profile: Profile, settings: Settings): string {
  const query = new URLSearchParams();
  if (settings.sampleIndex !== undefined) {
    const index = sampleIndexOf(profile, settings.sampleIndex);
    if (index !== defaultSampleIndex(profile)) query.set('si', profile.sampleTypes[index]!.type);
  }
  const values: Partial<Record<SettingName, string | number | undefined>> = {
    granularity: settings.granularity,
    unit: settings.unit,
    nodefraction: settings.nodeFraction,
    edgefraction: settings.edgeFraction,
    nodecount: settings.nodeCount,
    ...settings.filters,
  };
  for (const [param, name] of QUERY_SETTINGS) {
    const value = values[name];
    if (param !== 'si' && value !== undefined && value !== '') query.set(param, String(value));
  }
  return query.size > 0 ? `?${query}` : '';
}

/** The page; `settings` (a query) are the server's own, which the page's query changes. */
function pageHtml(title: string, settings: string): string {
  const escaped = escapeMarkup(title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped} · pprof</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body data-title="${escaped}" data-settings="${escapeMarkup(settings.replace(/^\?/, ''))}">
<noscript>The pprof web UI needs JavaScript. The text reports need none: npm run pprof -- -top ${escaped}</noscript>
</body>
</html>
`;
}

/** The page's title for the sources given: their file names. */
export function webTitle(sources: readonly string[]): string {
  return sources.map((source) => (/^https?:/.test(source) ? source : basename(source))).join(' + ');
}

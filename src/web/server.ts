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
 *   GET /download/folded  the profile as folded stacks
 *
 * Every route takes ?si=SAMPLE_TYPE and the filters ?focus ?ignore ?hide ?show ?tagfocus
 * ?tagignore as go tool pprof's options; a bad one answers 400 with what is wrong.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import type { Profile } from '../pprof/index.ts';
import { FILTER_NAMES, FilterError, applyFilters, type Filters } from '../report/filter.ts';
import { flameData, flameTree } from '../report/flamegraph.ts';
import { defaultSampleIndex, foldedStacks } from '../report/folded.ts';
import { escapeMarkup } from '../report/markup.ts';
import { buildGraph, printableName, sortEdges, sortNodes, type GraphNode } from '../report/graph.ts';
import { sourceListings, type SourceRefusal } from '../report/list.ts';
import { BASE_LABEL, mergeProfiles } from '../report/merge.ts';
import { graphView } from '../report/dot.ts';
import { flameGraphSvg } from '../report/svg.ts';
import { profileLabels, valueFormat } from '../report/top.ts';
import type { PeekView, ProfileView } from '../report/views.ts';
import { isInputError, reportTotal, sampleIndexOf, type Settings } from '../report/driver.ts';
import { misdirectedReason } from '../http/host.ts';
import { bundleClient } from './client-bundle.ts';

export interface WebUiOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** What the page is about: the sources' names, in its title. */
  title: string;
  /** The settings the page opens with (the command line's -sample_index and filters). */
  settings?: Settings;
}

export interface WebUi {
  /** The page's address, with the starting settings in its query. */
  readonly url: string;
  close(): Promise<void>;
}

/** Labels offered for the tag filters: enough to choose from, not a whole profile's request ids. */
const MAX_LABELS = 200;

class BadRequest extends Error {}

/** Starts the web UI over `source` (left as it is: every request filters its own copy). */
export async function serveWebUi(source: Profile, options: WebUiOptions): Promise<WebUi> {
  // Loaded here, not with the module: importing node:http costs a report's start some 50 ms (Node 24).
  const { createServer } = await import('node:http');
  const client = await bundleClient();
  const page = pageHtml(options.title);
  // The names it answers to besides localhost, its addresses and the machine's name: -http=NAME:port.
  const served = options.host ? [options.host] : [];
  const server = createServer((request, response) => {
    const misdirected = misdirectedReason(request.headers.host, served);
    if (misdirected) {
      send(response, 421, 'text/plain', `${misdirected}\n`);
      return;
    }
    try {
      route(source, client, page, request, response);
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
    url: `http://${host}:${port}/${options.settings ? settingsQuery(source, options.settings) : ''}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function route(source: Profile, client: { script: string; stylesheet: string }, page: string, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'text/plain', 'the web UI only reads: use GET\n');
    return;
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  const params = url.searchParams;
  switch (url.pathname) {
    case '/':
      return send(response, 200, 'text/html; charset=utf-8', page);
    case '/app.js':
      return send(response, 200, 'text/javascript; charset=utf-8', client.script);
    case '/app.css':
      return send(response, 200, 'text/css; charset=utf-8', client.stylesheet);
    case '/api/profile':
      return send(response, 200, 'application/json', JSON.stringify(profileView(source, params)));
    case '/api/source': {
      const { profile, sampleIndex } = selected(source, params);
      const fn = required(params, 'fn');
      const escaped = fn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return send(
        response,
        200,
        'application/json',
        JSON.stringify(sourceListings(profile, sampleIndex, new RegExp(`^${escaped}$`), { refusal: sourceRefusal })),
      );
    }
    case '/api/peek':
      return send(response, 200, 'application/json', JSON.stringify(peekView(source, params)));
    case '/api/graph': {
      const { profile, sampleIndex } = selected(source, params);
      const total = reportTotal(source, sampleIndexOf(source, params.get('si') || undefined));
      const count = params.get('nodecount');
      const nodeCount = count === null || count === '' ? undefined : Number(count);
      if (nodeCount !== undefined && !(Number.isInteger(nodeCount) && nodeCount >= 0))
        throw new BadRequest(`nodecount must be a whole number of nodes, 0 or more, got ${count}`);
      return send(response, 200, 'application/json', JSON.stringify(graphView(profile, { sampleIndex, total, nodeCount })));
    }
    case '/download/svg': {
      const { profile, sampleIndex } = selected(source, params);
      const orientation = params.get('orientation') === 'icicle' ? 'icicle' : 'flame';
      const svg = flameGraphSvg(profile, sampleIndex, { orientation, callersOf: params.get('callers') ?? undefined, zoom: params.getAll('zoom') });
      return send(response, 200, 'image/svg+xml', svg, `${params.get('callers') ? 'callers' : orientation}.svg`);
    }
    case '/download/folded': {
      const { profile, sampleIndex } = selected(source, params);
      return send(response, 200, 'text/plain; charset=utf-8', foldedStacks(profile, sampleIndex), 'profile.folded');
    }
    default:
      return send(response, 404, 'text/plain', `no such page: ${url.pathname}\n`);
  }
}

/** What a program's source is written in: the only files /api/source reads. */
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

/** A filtered copy of the profile, as the request's sample type and filters select it. */
function selected(source: Profile, params: URLSearchParams): { profile: Profile; sampleIndex: number; notes: string[] } {
  const profile = mergeProfiles([source]);
  const sampleIndex = sampleIndexOf(profile, params.get('si') || undefined);
  const filters = Object.fromEntries(FILTER_NAMES.flatMap((name) => (params.get(name) ? [[name, params.get(name)]] : []))) as Filters;
  const { notes, unmatched } = applyFilters(profile, filters);
  // A page of nothing says less than why: the web UI answers with the reason instead.
  if (unmatched.length > 0) throw new FilterError(unmatched.join('; '));
  return { profile, sampleIndex, notes };
}

function profileView(source: Profile, params: URLSearchParams): ProfileView {
  const { profile, sampleIndex, notes } = selected(source, params);
  const total = reportTotal(source, sampleIndexOf(source, params.get('si') || undefined));
  const view = valueFormat(profile, sampleIndex, total);
  view.outputUnit = 'minimum';
  const callers = params.get('callers') ?? undefined;
  const tree = flameTree(profile, sampleIndex, { callersOf: callers });
  const flame = flameData(tree, view.type, view.unit);
  const top = sortNodes(buildGraph(profile, sampleIndex, 'functions', { edges: false }), false).map((node) => ({
    name: printableName(node.info),
    flat: node.flat,
    cum: node.cum,
  }));
  return {
    sampleTypes: profile.sampleTypes.map((type) => type.type),
    sampleIndex,
    header: profileLabels(profile, view),
    notes,
    diff: flame.base !== undefined,
    labels: labelPairs(source),
    // Percentages of the whole profile, as the text reports': a focused view shows its share.
    flame: { ...flame, percentOf: total },
    top,
  };
}

function peekView(source: Profile, params: URLSearchParams): PeekView {
  const { profile, sampleIndex } = selected(source, params);
  const fn = required(params, 'fn');
  const node = buildGraph(profile, sampleIndex, 'functions').find((candidate: GraphNode) => printableName(candidate.info) === fn);
  if (!node) throw new BadRequest(`no function ${fn} in this view of the profile`);
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

/** Settings as the page's query (`?si=...&focus=...`, or nothing), so the page opens with them. */
export function settingsQuery(profile: Profile, settings: Settings): string {
  const query = new URLSearchParams();
  if (settings.sampleIndex !== undefined) {
    const index = sampleIndexOf(profile, settings.sampleIndex);
    if (index !== defaultSampleIndex(profile)) query.set('si', profile.sampleTypes[index]!.type);
  }
  for (const name of FILTER_NAMES) if (settings.filters[name]) query.set(name, settings.filters[name]!);
  return query.size > 0 ? `?${query}` : '';
}

function pageHtml(title: string): string {
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
<body data-title="${escaped}">
<noscript>The pprof web UI needs JavaScript. The text reports need none: npm run pprof -- -top ${escaped}</noscript>
</body>
</html>
`;
}

/** The page's title for the sources given: their file names. */
export function webTitle(sources: readonly string[]): string {
  return sources.map((source) => (/^https?:/.test(source) ? source : basename(source))).join(' + ');
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { encodeProfile, type Profile } from '../pprof/index.ts';
import { asyncProfile } from '../profilers/async-profile.ts';
import { asyncOperationsInFlight, asyncTrackerInstalled, installAsyncTracker } from '../profilers/async-tracker.ts';
import { untracked } from '../profilers/async/wrap.ts';
import { startCPUProfile, stopCPUProfile } from '../profilers/cpu.ts';
import { heapProfile, startHeapProfiling } from '../profilers/heap.ts';
import { inUse } from '../profilers/session.ts';
import { startWallProfile, stopWallProfile } from '../profilers/wall.ts';
import { excludeFromProfiles } from '../profilers/tool-frames.ts';
import { operationListText, heapText, operationsText } from '../report/debug-text.ts';
import { foldedStacks } from '../report/folded.ts';
import { escapeMarkup } from '../report/markup.ts';
import { AllocationHistory } from './allocations.ts';
import { misdirectedReason } from './host.ts';
import { IN_USE_AS_ALLOCS, asFgprof, asGoroutines, withComment } from './scrape-shapes.ts';
import { startTrace } from '../profilers/trace.ts';

// Serving a profile is not the program's work: its waits and frames stay out of the profiles.
excludeFromProfiles(new URL('./', import.meta.url));

export interface DebugPprofOptions {
  /**
   * Who besides loopback clients may read profiles: true for anyone, or a function of the
   * request. Profiles show code, paths and arguments; by default only this machine sees them,
   * and only at a name that can mean nothing else (localhost, an IP address, the machine's
   * name): a request from this machine addressed to another name answers 421, as a web page
   * using DNS rebinding would send. A request allowRemote lets in is not checked so, which is
   * what a local reverse proxy that forwards a public name needs.
   */
  allowRemote?: boolean | ((request: Request) => boolean);
  /**
   * When set, every request must carry `Authorization: Bearer <token>`. Any non-empty string a
   * header can carry (no control characters, no space or tab at its end); one with characters
   * beyond ASCII is matched against the header's bytes as UTF-8.
   */
  token?: string;
  /** The longest profile a request may ask for, in seconds; 300 by default. */
  maxSeconds?: number;
  /**
   * What V8's one heap sampler records while the router is mounted: 'inuse' (the default) for
   * /heap, what is held now; 'allocs' for /allocs, every allocation since the router was created,
   * including garbage. V8 cannot do both at once. With 'inuse', /allocs (where Grafana Alloy
   * and Parca read memory) serves the heap in use, its comment saying so; with 'allocs', /heap
   * answers 404 saying why.
   */
  heapSampling?: 'inuse' | 'allocs';
}

/** Go's default length for /profile. */
const DEFAULT_SECONDS = 30;
const DEFAULT_MAX_SECONDS = 300;

/** What Node has no equivalent of, with why: these answer 404 with the reason. */
const NOT_AVAILABLE: Record<string, string> = {
  threadcreate: 'Node runs JavaScript on one thread per isolate; there are no OS threads created by the program to count (see async for what is in flight)',
  block: 'JavaScript has no blocking channel or lock operations to sample; a synchronous block shows as running time in profile and wall',
  mutex: 'JavaScript has no mutexes; async locks show as waits in wall and async',
  symbol: 'Node profiles carry function names already; there are no program counters to look up',
};

interface Entry {
  name: string;
  description: string;
  count?: () => number;
  debug1?: boolean;
}

/**
 * Go's /debug/pprof for an express app, safe to leave mounted: nothing is registered on import,
 * and nothing is served until the app mounts it:
 *
 *   app.use('/debug/pprof', debugPprof());
 *
 * Then `go tool pprof http://localhost:PORT/debug/pprof/profile?seconds=10` or `npm run pprof --
 * -top http://...` read it. Loopback clients only unless allowRemote says otherwise; an optional
 * bearer token; one CPU or wall profile at a time; a client that goes away stops its profile; and
 * no profiler error ever reaches the app's error handlers or stops the process. Creating the
 * router starts the async tracker (for /async) and heap sampling (for /heap) if they are not on.
 */
export function debugPprof(options: DebugPprofOptions = {}): Router {
  const { router, maxSeconds } = guardedRouter(options);
  const sampling = options.heapSampling ?? 'inuse';
  if (sampling !== 'inuse' && sampling !== 'allocs') throw new RangeError(`heapSampling must be 'inuse' or 'allocs', got ${String(sampling)}`);
  const heapNote = sampling === 'inuse' ? startHeapSamplingIfFree() : undefined;
  const history = sampling === 'allocs' ? new AllocationHistory() : undefined;

  const entries: Entry[] = [
    history
      ? {
          name: 'allocs',
          description:
            'Every sampled allocation since this router was created, including garbage collected since. ?seconds=N for those of the next N seconds only.',
        }
      : {
          name: 'allocs',
          description:
            "The heap in use, as heap serves it: this router samples the heap in use, and V8 has one heap sampler (heapSampling: 'allocs' records every allocation instead). Here for the tools that read memory here.",
        },
    {
      name: 'async',
      description: 'Async operations in flight now (fetch, timers, fs, sockets...), each on the stack that started it. Alias: goroutine.',
      count: () => asyncOperationsInFlight().length,
      debug1: true,
    },
    { name: 'cmdline', description: 'The command line of this process, arguments separated by NUL bytes.' },
    { name: 'goroutine', description: 'The same as async, under the name Go tools ask for.', count: () => asyncOperationsInFlight().length, debug1: true },
    ...(history
      ? []
      : [
          {
            name: 'heap',
            description: 'What the heap holds now, by the stack that allocated it (a sample, every 512 KiB on average). ?gc=1 collects garbage first.',
            debug1: true,
          },
        ]),
    { name: 'profile', description: 'CPU profile: where the CPU time goes, for ?seconds=N (30 by default).' },
    {
      name: 'trace',
      description:
        'A trace for ?seconds=N (1 by default): JavaScript as a flame chart and every async operation as a span, as JSON for ui.perfetto.dev or chrome://tracing.',
    },
    {
      name: 'wall',
      description: 'Wall-clock profile: time running and time awaiting, each on its stack, for ?seconds=N (30 by default). ?format=folded for folded stacks.',
    },
  ];

  const otherSampling: Record<string, string> = history
    ? { heap: "V8 has one heap sampler, and this router's records every allocation (allocs); create it with heapSampling: 'inuse' for the heap in use" }
    : {};
  router.get('/', (_request, response) => {
    response.setHeader('Cache-Control', 'no-store');
    response.type('html').send(indexPage(entries, { ...otherSampling, ...NOT_AVAILABLE }, heapNote));
  });
  router.get('/cmdline', (_request, response) => {
    response.setHeader('Cache-Control', 'no-store');
    response.type('text/plain').send(process.argv.join('\0'));
  });
  for (const name of Object.keys(NOT_AVAILABLE))
    router.get(`/${name}`, (_request, response) => text(response, 404, `${name}: not available in Node: ${NOT_AVAILABLE[name]}`));

  router.get('/profile', (request, response) =>
    timed(request, response, maxSeconds, 'profile', { start: () => startCPUProfile(), stop: stopCPUProfile, send: asPprof('profile') }),
  );
  router.get('/trace', (request, response) => {
    let stop: (() => object) | undefined;
    timed(request, response, maxSeconds, 'trace', {
      defaultSeconds: 1,
      start: () => (stop = startTrace()),
      stop: () => stop!(),
      send: (reply, trace) => {
        reply.setHeader('Content-Disposition', 'attachment; filename="trace.json"');
        reply.setHeader('Cache-Control', 'no-store');
        reply.type('application/json').send(JSON.stringify(trace));
      },
    });
  });
  router.get('/wall', (request, response) => wallHandler(request, response, maxSeconds));
  router.get('/allocs', (request, response) => {
    if (!history) {
      if (request.query.seconds !== undefined)
        return text(
          response,
          400,
          "allocs?seconds=N needs every allocation recorded: this router samples the heap in use; create it with debugPprof({ heapSampling: 'allocs' })",
        );
      return guarded(response, () => sendProfile(response, 'allocs', withComment(heapProfile(), IN_USE_AS_ALLOCS)));
    }
    if (request.query.seconds === undefined) return guarded(response, () => sendProfile(response, 'allocs', history.total()));
    let earlier: Profile | undefined;
    timed(request, response, maxSeconds, 'allocs', {
      exclusive: false,
      start: () => (earlier = history.total()),
      stop: () => history.since(earlier!),
      send: asPprof('allocs'),
    });
  });
  router.get('/heap', (request, response) => {
    if (history)
      return text(
        response,
        404,
        "heap: this router samples every allocation (/allocs); V8 has one heap sampler, so create it with debugPprof({ heapSampling: 'inuse' }) to serve the heap in use",
      );
    const debug = debugLevel(request, response, [0, 1]);
    const gc = request.query.gc;
    if (debug === undefined) return;
    if (gc !== undefined && gc !== '0' && gc !== '1') return text(response, 400, `gc=${String(gc)} is not 0 or 1`);
    guarded(response, () => {
      const profile = heapProfile({ gc: gc === '1' });
      if (debug === 1) sendText(response, heapText(profile));
      else sendProfile(response, 'heap', profile);
    });
  });
  for (const name of ['async', 'goroutine']) {
    router.get(`/${name}`, (request, response) => {
      const debug = debugLevel(request, response, [0, 1, 2]);
      if (debug === undefined) return;
      guarded(response, () => {
        const operations = asyncOperationsInFlight();
        if (debug === 0) sendProfile(response, name, name === 'goroutine' ? asGoroutines(asyncProfile(operations)) : asyncProfile(operations));
        else sendText(response, debug === 1 ? operationsText(operations) : operationListText(operations));
      });
    });
  }
  return router;
}

/**
 * The wall profile alone, where fgprof serves it, for tools that ask there:
 *
 *   app.use('/debug/fgprof', debugFgprof());
 *
 * `?seconds=N&format=pprof|folded`, with the same safety as debugPprof.
 */
export function debugFgprof(options: DebugPprofOptions = {}): Router {
  const { router, maxSeconds } = guardedRouter(options);
  router.get('/', (request, response) => wallHandler(request, response, maxSeconds, 'fgprof'));
  return router;
}

/** A router that serves loopback clients (or those allowRemote allows) bearing the token, if any. */
function guardedRouter(options: DebugPprofOptions): { router: Router; maxSeconds: number } {
  const maxSeconds = options.maxSeconds ?? DEFAULT_MAX_SECONDS;
  // A token that is empty or not a string would turn authentication off without a word.
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length === 0)) {
    throw new TypeError(`token must be a non-empty string, got ${options.token === '' ? 'an empty string' : typeof options.token}; leave it out for no token`);
  }
  const unsendable = options.token === undefined ? undefined : unsendableReason(options.token);
  if (unsendable) throw new TypeError(`token cannot be sent in an Authorization header, so no request could ever match it: ${unsendable}`);
  const wantedDigest = options.token === undefined ? undefined : digest(Buffer.from(options.token, 'utf8'));
  if (!Number.isInteger(maxSeconds) || maxSeconds < 1)
    throw new RangeError(`maxSeconds must be a whole number of seconds, 1 or more, got ${options.maxSeconds}`);
  if (!asyncTrackerInstalled()) installAsyncTracker();
  const router = Router();
  router.use((request, response, next) => {
    const admitted = admission(request, options.allowRemote);
    if (!admitted) {
      text(response, 403, `profiles are served to this machine only (the request came from ${request.socket.remoteAddress}); pass allowRemote to allow others`);
      return;
    }
    // A loopback client may be a browser that a web page steered here; allowRemote decides for the rest.
    const misdirected = admitted === 'loopback' ? misdirectedReason(request.headers.host) : undefined;
    if (misdirected) {
      text(response, 421, `${misdirected}; pass allowRemote to serve requests addressed otherwise`);
      return;
    }
    if (wantedDigest && !bearerMatches(request.headers.authorization, wantedDigest)) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      text(response, 401, 'this endpoint needs Authorization: Bearer <token>');
      return;
    }
    next();
  });
  return { router, maxSeconds };
}

/**
 * The wall profile, as /wall serves it (wall/nanoseconds, folded stacks in nanoseconds), or as
 * fgprof's handler does, so fgprof's tools and scrapers read it unchanged: sample types
 * samples/count and time/nanoseconds, and folded stacks that count samples.
 */
function wallHandler(request: Request, response: Response, maxSeconds: number, shape: 'wall' | 'fgprof' = 'wall'): void {
  const format = request.query.format ?? 'pprof';
  if (format !== 'pprof' && format !== 'folded') return text(response, 400, `format=${String(format)} is not a format: use pprof or folded`);
  const shaped = shape === 'fgprof' ? asFgprof : (profile: Profile) => profile;
  timed(request, response, maxSeconds, 'wall', {
    start: () => startWallProfile(),
    stop: () => shaped(stopWallProfile()),
    send: format === 'folded' ? (reply, profile) => sendText(reply, foldedStacks(profile, shape === 'fgprof' ? 0 : undefined)) : asPprof(shape),
  });
}

/** A CPU or wall profile over ?seconds, one at a time, stopped at once if the client leaves. */
interface Timed<T> {
  /** Seconds when the request names none: Go's 30 for profiles, 1 for a trace. */
  defaultSeconds?: number;
  /** Takes V8's CPU sampler, which one profile at a time can have; true unless said. */
  exclusive?: boolean;
  start(): void;
  stop(): T;
  send(response: Response, result: T): void;
}

const asPprof = (name: string) => (response: Response, profile: Profile) => sendProfile(response, name, profile);

function timed<T>(request: Request, response: Response, maxSeconds: number, name: string, profiler: Timed<T>): void {
  const seconds = secondsOf(request, response, maxSeconds, profiler.defaultSeconds ?? DEFAULT_SECONDS);
  if (seconds === undefined) return;
  const exclusive = profiler.exclusive ?? true;
  if (exclusive && inUse.cpu)
    return text(
      response,
      409,
      `another profile is running, so this one cannot: ${running?.what ?? inUse.cpu}${running ? `, until ${running.until.toISOString()}` : ''}; try again then`,
    );
  try {
    profiler.start();
  } catch (error) {
    return text(response, 500, `the ${name} profile could not start: ${(error as Error).message}`);
  }
  const until = new Date(Date.now() + seconds * 1000);
  if (exclusive) running = { what: `a ${seconds} s ${name} profile requested by ${request.socket.remoteAddress}`, until };
  // Longer than any server default, so the profile is not cut off by an idle socket timeout.
  request.setTimeout((seconds + 60) * 1000);
  const finish = (send: boolean) => {
    clearTimeout(timer);
    response.off('close', abandoned);
    if (exclusive) running = undefined;
    let result: T;
    try {
      result = profiler.stop();
    } catch (error) {
      if (send) text(response, 500, `the ${name} profile could not be taken: ${(error as Error).message}`);
      return;
    }
    if (!send) return;
    guarded(response, () => profiler.send(response, result));
  };
  const abandoned = () => finish(false);
  const timer = untracked(() => setTimeout(() => finish(true), seconds * 1000));
  response.on('close', abandoned);
}

/** What the running CPU or wall profile is and when it ends, for a 409. */
let running: { what: string; until: Date } | undefined;

function secondsOf(request: Request, response: Response, maxSeconds: number, defaultSeconds: number): number | undefined {
  const raw = request.query.seconds;
  if (raw === undefined) return Math.min(defaultSeconds, maxSeconds);
  const seconds = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxSeconds) {
    text(response, 400, `seconds=${String(raw)} is not a whole number of seconds from 1 to ${maxSeconds}`);
    return undefined;
  }
  return seconds;
}

function debugLevel(request: Request, response: Response, levels: number[]): number | undefined {
  const raw = request.query.debug ?? '0';
  const level = typeof raw === 'string' && /^\d$/.test(raw) ? Number(raw) : Number.NaN;
  if (!levels.includes(level)) {
    text(response, 400, `debug=${String(raw)} is not a level this profile has: use ${levels.join(', ')}`);
    return undefined;
  }
  return level;
}

/** Runs a handler body; a profiler's error becomes a 500 here, never the app's error. */
function guarded(response: Response, body: () => void): void {
  try {
    body();
  } catch (error) {
    if (!response.headersSent) text(response, 500, `the profile could not be taken: ${(error as Error).message}`);
  }
}

function text(response: Response, status: number, message: string): void {
  response.status(status).setHeader('Cache-Control', 'no-store');
  // As Go's handlers mark their errors: go tool pprof then prints the message, not just the status.
  if (status >= 400) response.setHeader('X-Go-Pprof', '1');
  response.type('text/plain').send(`${message}\n`);
}

function sendText(response: Response, body: string): void {
  response.setHeader('Cache-Control', 'no-store');
  response.type('text/plain').send(body);
}

/** Gzipped pprof, as Go serves it, with a file name for browsers that save it. */
function sendProfile(response: Response, name: string, profile: Profile): void {
  response.setHeader('Content-Type', 'application/octet-stream');
  response.setHeader('Content-Disposition', `attachment; filename="${name}.pb.gz"`);
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.send(encodeProfile(profile));
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** Why a client may read profiles: it is on this machine's loopback, or allowRemote lets it in. */
function admission(request: Request, allowRemote: DebugPprofOptions['allowRemote']): 'loopback' | 'remote' | undefined {
  if (typeof allowRemote === 'function') {
    try {
      if (allowRemote(request) === true) return 'remote';
    } catch {
      // A throwing allowRemote lets no one in that loopback does not.
    }
  } else if (allowRemote === true) return 'remote';
  return LOOPBACK.test(request.socket.remoteAddress ?? '') ? 'loopback' : undefined;
}

/**
 * Whether the header bears the token. Node hands header values over as latin1, one character
 * per byte: turned back into those bytes they compare with the token's UTF-8. Digests of equal
 * length are compared, so the time taken says nothing about the token's length or content.
 */
function bearerMatches(header: string | undefined, wantedDigest: Buffer): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
  if (given === undefined) return false;
  return timingSafeEqual(digest(Buffer.from(given, 'latin1')), wantedDigest);
}

/**
 * Why no client can send the token as it is, or undefined: HTTP parsers refuse a header holding
 * a control character and drop the spaces that end one. A token read from a file with its final
 * newline is the usual case: it would lock everyone out without a word.
 */
function unsendableReason(token: string): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters no header can carry are what it looks for
  const control = /[\x00-\x08\x0a-\x1f\x7f]/.exec(token);
  if (control) return `it holds the control character ${JSON.stringify(control[0])} at position ${control.index} (a file's final newline? trim it)`;
  if (/[ \t]$/.test(token)) return 'it ends with a space or tab, which HTTP drops from a header (trim it)';
  return undefined;
}

const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest();

/** Starts in-use heap sampling unless something else holds V8's heap sampler; says so if it does. */
function startHeapSamplingIfFree(): string | undefined {
  if (inUse.heapSampling === 'the in-use heap profile') return undefined;
  if (inUse.heapSampling) return `heap: V8's heap sampler is taken by ${inUse.heapSampling}, so /heap answers with an error until it is free`;
  try {
    startHeapProfiling();
    return undefined;
  } catch (error) {
    return `heap: sampling could not start: ${(error as Error).message}`;
  }
}

function indexPage(entries: Entry[], notServed: Record<string, string>, heapNote: string | undefined): string {
  const rows = entries
    .map((entry) => {
      const count = entry.count ? String(entry.count()) : '';
      const debug = entry.debug1 ? ` (<a href="${entry.name}?debug=1">debug=1</a>)` : '';
      return `<tr><td align="right">${count}</td><td><a href="${entry.name}">${entry.name}</a>${debug}</td><td>${escapeMarkup(entry.description)}</td></tr>`;
    })
    .join('\n');
  const missing = Object.entries(notServed)
    .map(([name, why]) => `<tr><td align="right">n/a</td><td>${name}</td><td>${escapeMarkup(why)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>/debug/pprof/</title></head>
<body>
<h1>/debug/pprof/</h1>
<p>Profiles of this Node process, read with <code>go tool pprof URL</code> or <code>npm run pprof -- -top URL</code>.</p>
${heapNote ? `<p><strong>${escapeMarkup(heapNote)}</strong></p>` : ''}
<table>
<tr><th>Count</th><th>Profile</th><th>What it shows</th></tr>
${rows}
${missing}
</table>
</body></html>
`;
}

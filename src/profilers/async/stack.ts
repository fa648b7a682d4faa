import { fileURLToPath } from 'node:url';
import type { Frame } from '../../pprof/builder.ts';
import { SourceMapper } from '../../pprof/sourcemap.ts';

/**
 * At most this many frames are captured, ours and Node's included. Capture costs about 0.4 µs
 * a frame; 64 holds a fetch's 30 frames of undici under a request handler's stack and its
 * async callers.
 */
const MAX_FRAMES = 64;

/** The tracker's own frames (hooks, wrapped callbacks) are never part of a stack it reports. */
const trackerDirectory = new URL('./', import.meta.url).href;
const trackerDirectoryPath = fileURLToPath(trackerDirectory);

/**
 * Node's util.promisify calls an API on behalf of the code that called the promisified
 * function: it stands for that code, unlike Node calling an API for its own ends.
 */
const PASS_THROUGH = 'node:internal/util';

let mapper = new SourceMapper();
/**
 * Frames by script and position in it: each position is source-mapped once and shared. Keyed
 * by getPosition (one CallSite call, where line and column are two; each costs ~0.1 µs).
 */
const frames = new Map<string, Map<number, Frame>>();

/**
 * The stack of the code that started an operation, leaf first, or undefined when no user
 * code started it. Node's own frames go (they are the API's insides and the event loop's
 * plumbing, not what the learner wrote), and so do builtins without a script (`new Promise`,
 * `Array.map`) and the tracker's frames. Frames above `below` (and it) are not even captured.
 *
 * The frames between the tracker's hook and the first user frame must all belong to
 * `apiModules` (prefixes of `node:` module names), the modules implementing the API hooked:
 * otherwise Node called the API for itself, as undici arms timers inside fetch and https
 * connects with tls.connect, and counting that would count one wait twice.
 */
export function userStack(apiModules: readonly string[], below: Function): Frame[] | undefined {
  // Node calls timers and fs for itself on every request it serves (undici arms a timer per
  // request). One look at the nearest frames tells those calls apart, for a fraction of the
  // cost of the whole stack.
  if (!apiModules.includes('node:')) {
    const caller = callSites(below, CALLER_FRAMES).find((site) => !isTrackers(site.getFileName()));
    if (caller && isNodesOwn(caller.getFileName()!, apiModules)) return undefined;
  }
  const stack: Frame[] = [];
  for (const site of callSites(below, MAX_FRAMES)) {
    const file = site.getFileName();
    if (!file || isTrackers(file)) continue;
    if (file.startsWith('node:')) {
      if (stack.length === 0 && isNodesOwn(file, apiModules)) return undefined;
      continue;
    }
    stack.push(frameOf(site, file));
  }
  return stack.length > 0 ? stack : undefined;
}

/** Enough frames to get past the tracker's own (a wrapper, callThrough) to its caller. */
const CALLER_FRAMES = 4;

const isTrackers = (file: string | null) => !file || file.startsWith(trackerDirectory) || file.startsWith(trackerDirectoryPath);

/** A Node module calling for itself: neither the API hooked nor promisify acting for the program. */
const isNodesOwn = (file: string, apiModules: readonly string[]) =>
  file.startsWith('node:') && !file.startsWith(PASS_THROUGH) && !apiModules.some((name) => file.startsWith(name));

/** Frees the source maps and frames held, when the tracker is uninstalled. */
export function forgetFrames(): void {
  frames.clear();
  mapper = new SourceMapper();
}

/** Hands V8's CallSite objects over as they are, instead of a formatted string. */
const structured = (_error: Error, sites: NodeJS.CallSite[]) => sites;

/**
 * The current stack as V8's CallSite objects, async callers included: positions without
 * parsing text. Positions are those of the JavaScript V8 runs: Node applies source maps to
 * error.stack strings only, not to CallSites (checked on Node 20), so frameOf maps them.
 */
function callSites(below: Function, limit: number): NodeJS.CallSite[] {
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.prepareStackTrace = structured;
    Error.stackTraceLimit = limit;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, below);
    // V8 formats lazily, on first read: read while our prepareStackTrace is in place.
    return holder.stack as NodeJS.CallSite[];
  } finally {
    // Whatever the program had (source-map-support, its own formatter) goes back.
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * A frame in the TypeScript written. `line` is the call (or, for an async caller, the await)
 * in that function, and `functionLine` the line the function starts on, as the CPU profiles
 * give it, so both kinds of profile name the same pprof functions.
 */
function frameOf(site: NodeJS.CallSite, file: string): Frame {
  let inScript = frames.get(file);
  if (!inScript) frames.set(file, (inScript = new Map()));
  const offset = site.getPosition();
  let frame = inScript.get(offset);
  if (!frame) {
    const position = mapper.map(file, site.getLineNumber() ?? 0, site.getColumnNumber() ?? 0);
    const start = mapper.map(file, site.getEnclosingLineNumber() ?? 0, site.getEnclosingColumnNumber() ?? 0);
    frame = Object.freeze({
      name: site.getFunctionName() || '(anonymous)',
      file: position.file,
      line: position.line,
      column: position.column,
      functionLine: start.line,
    });
    inScript.set(offset, frame);
  }
  return frame;
}

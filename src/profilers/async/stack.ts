import { fileURLToPath } from 'node:url';
import type { Frame } from '../../pprof/builder.ts';
import { SourceMapper } from '../../pprof/sourcemap.ts';
import { isToolFile } from '../tool-frames.ts';

/**
 * At most this many frames are captured, ours and Node's included: a fetch's 30 frames of
 * undici under a request handler's stack and its async callers.
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
 * userStack's answer when Node called the API for its own ends, or the tools did (tsx reading
 * its cache, the profilers: see tool-frames.ts): not the program's operation.
 */
export const NOT_THE_PROGRAMS = Symbol('called by Node or the tools for themselves');
type Verdict = readonly Frame[] | typeof NOT_THE_PROGRAMS | undefined;

/**
 * Frames captured for every operation. Capturing costs V8 a few microseconds plus about half a
 * microsecond a frame, and a request handler under express sits some twenty frames deep: the
 * nearest frames name the call site, and the whole stack under them is remembered per call site.
 */
const PREFIX_FRAMES = 6;
/**
 * The same nearest frames can sit on different callers (a helper called from many places
 * deeper than PREFIX_FRAMES), so a call site's stack is captured whole on its first LEARN_USES
 * uses, and then on a random one in CHECK_ONE_IN (random, so that no pattern of callers can
 * keep slipping past the checks). A call site found to vary is captured whole from then on.
 */
const LEARN_USES = 8;
const CHECK_ONE_IN = 16;

/** What the whole stack under one call site (its nearest frames) came to. */
interface CallSiteMemo {
  readonly next: Map<string, Map<number, CallSiteMemo>>;
  verdict?: Verdict;
  uses: number;
  varies: boolean;
}
let memos: CallSiteMemo = newMemo();

function newMemo(): CallSiteMemo {
  return { next: new Map(), uses: 0, varies: false };
}

/**
 * The stack of the code that started an operation, leaf first, undefined when no user code
 * started it, or NOT_THE_PROGRAMS. Node's own frames go (they are the API's insides and the event
 * loop's plumbing, not what the learner wrote), and so do builtins without a script
 * (`new Promise`, `Array.map`) and the tracker's frames. Frames above `below` (and it) are not
 * even captured. The array returned may be shared with other operations: it is never changed.
 *
 * The frames between the tracker's hook and the first user frame must all belong to
 * `apiModules` (prefixes of `node:` module names), the modules implementing the API hooked:
 * otherwise Node called the API for itself (NOT_THE_PROGRAMS), as undici arms timers inside fetch and
 * https connects with tls.connect, and counting that would count one wait twice.
 */
// biome-ignore lint/complexity/noBannedTypes: the function whose frames V8 leaves out, as Error.captureStackTrace takes it
export function userStack(apiModules: readonly string[], below: Function): Verdict {
  const nearest = callSites(below, PREFIX_FRAMES);
  // Node's own call shows in the nearest frames; a stack no deeper than them is all there is.
  const partial = verdictOf(nearest, apiModules);
  if (partial === NOT_THE_PROGRAMS || nearest.length < PREFIX_FRAMES) return partial;
  const memo = memoOf(nearest);
  const check = memo.varies || memo.uses < LEARN_USES || Math.random() * CHECK_ONE_IN < 1;
  memo.uses++;
  if (!check) return memo.verdict;
  const verdict = verdictOf(callSites(below, MAX_FRAMES), apiModules);
  if (memo.uses > 1 && !sameVerdict(memo.verdict, verdict)) memo.varies = true;
  memo.verdict = verdict;
  return verdict;
}

function verdictOf(sites: readonly NodeJS.CallSite[], apiModules: readonly string[]): Verdict {
  const stack: Frame[] = [];
  for (const site of sites) {
    const file = site.getFileName();
    if (!file || isTrackers(file)) continue;
    if (file.startsWith('node:')) {
      if (stack.length === 0 && isNodesOwn(file, apiModules)) return NOT_THE_PROGRAMS;
      continue;
    }
    if (isToolFile(file)) {
      if (stack.length === 0) return NOT_THE_PROGRAMS;
      // Below the program's frames, a tool is only the glue that called it (see v8-cpu-profile).
      continue;
    }
    stack.push(frameOf(site, file));
  }
  return stack.length > 0 ? stack : undefined;
}

/** The memo of a call site, keyed by the script and position of each of its nearest frames. */
function memoOf(sites: readonly NodeJS.CallSite[]): CallSiteMemo {
  let memo = memos;
  for (const site of sites) {
    const file = site.getFileName() ?? '';
    let byPosition = memo.next.get(file);
    if (!byPosition) memo.next.set(file, (byPosition = new Map()));
    const position = site.getPosition();
    let next = byPosition.get(position);
    if (!next) byPosition.set(position, (next = newMemo()));
    memo = next;
  }
  return memo;
}

/** Frames are shared objects (see frameOf): equal stacks hold the same ones. */
function sameVerdict(a: Verdict, b: Verdict): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a.length !== b.length) return false;
  return a.every((frame, i) => frame === b[i]);
}

const isTrackers = (file: string | null) => !file || file.startsWith(trackerDirectory) || file.startsWith(trackerDirectoryPath);

/** A Node module calling for itself: neither the API hooked nor promisify acting for the program. */
const isNodesOwn = (file: string, apiModules: readonly string[]) =>
  file.startsWith('node:') && !file.startsWith(PASS_THROUGH) && !apiModules.some((name) => file.startsWith(name));

/** Frees the source maps and frames held, when the tracker is uninstalled. */
export function forgetFrames(): void {
  frames.clear();
  memos = newMemo();
  mapper = new SourceMapper();
}

/** Hands V8's CallSite objects over as they are, instead of a formatted string. */
const structured = (_error: Error, sites: NodeJS.CallSite[]) => sites;

/**
 * The current stack as V8's CallSite objects, async callers included: positions without
 * parsing text. Positions are those of the JavaScript V8 runs: Node applies source maps to
 * error.stack strings only, not to CallSites (checked on Node 20), so frameOf maps them.
 */
// biome-ignore lint/complexity/noBannedTypes: the function whose frames V8 leaves out, as Error.captureStackTrace takes it
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

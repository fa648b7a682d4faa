import { fileURLToPath } from 'node:url';

/**
 * Whose code is the profilers' and the toolchain's rather than the program's: the profilers
 * (starting and stopping V8's sampler, the async tracker's hooks: but see isAsyncTrackerFile),
 * the loader that keeps TypeScript lines, and tsx and esbuild compiling the program's
 * TypeScript. A profile shows the program: a sample whose nearest frame of JavaScript with a
 * file (past Node's own `node:` modules and V8's builtins, which act for whoever called them)
 * is one of these is the tools' work and is left out, and so is an async operation such code
 * started. The pprof model
 * (src/pprof, which the profilers use to map positions and build profiles, and programs use to
 * write them) acts for its caller too, like Node's modules.
 *
 * Other parts of the tools that run inside a profiled program (the /debug/pprof router, the
 * `npm run profile` preload) add their own files with excludeFromProfiles.
 */
interface ToolRoots {
  /** URL and path prefixes: V8 names ES modules by URL and CommonJS modules by path. */
  readonly prefixes: string[];
}
const rootsKey = Symbol.for('node-profiling-workshop.tool-roots');
// Shared by every copy of this module in the process, as the profilers' in-use flags are.
const roots: ToolRoots = ((globalThis as Record<symbol, ToolRoots>)[rootsKey] ??= { prefixes: [] });

const pprofModel = new URL('../pprof/', import.meta.url).href;
const pprofModelPath = fileURLToPath(pprofModel);

/** Leaves out of every profile the code of this file or, for a URL ending in /, this directory. */
export function excludeFromProfiles(fileOrDirectoryUrl: string | URL): void {
  const url = new URL(fileOrDirectoryUrl).href;
  for (const prefix of [url, fileURLToPath(url)]) if (!roots.prefixes.includes(prefix)) roots.prefixes.push(prefix);
  memo.clear();
}

/** The directory of an installed package, found from what it resolves to. */
function packageDirectory(name: string): string | undefined {
  try {
    const resolved = import.meta.resolve(name);
    const at = resolved.lastIndexOf(`/node_modules/${name}/`);
    return at < 0 ? undefined : resolved.slice(0, at + `/node_modules/${name}/`.length);
  } catch {
    return undefined;
  }
}

const memo = new Map<string, boolean>();

/** Whether code in this file (a V8 script URL or path) belongs to the tools. */
export function isToolFile(file: string): boolean {
  let tool = memo.get(file);
  if (tool === undefined) memo.set(file, (tool = roots.prefixes.some((prefix) => file.startsWith(prefix))));
  return tool;
}

const asyncTracker = new URL('./async/', import.meta.url).href;
const asyncTrackerPath = fileURLToPath(asyncTracker);

/**
 * The async tracker's hooks: they run inside the program's own calls of Node's APIs (its
 * wrappers of fetch, setTimeout, readFile...), so what they and the API do there is the time of
 * that call, not work of the tools' own.
 */
export const isAsyncTrackerFile = (file: string) => file.startsWith(asyncTracker) || file.startsWith(asyncTrackerPath);

/** Node's JavaScript and V8's builtins. */
export const isRuntimeFile = (file: string) => file === '' || file.startsWith('node:');

/**
 * Code that works for whoever called it: Node's, V8's and the pprof model's, and WebAssembly,
 * which only JavaScript calls (tsx parses imports with a lexer in wasm: its frames are tsx's).
 */
export const actsForItsCaller = (file: string) =>
  isRuntimeFile(file) || file.startsWith('wasm:') || file.startsWith(pprofModel) || file.startsWith(pprofModelPath);

excludeFromProfiles(new URL('./', import.meta.url));
excludeFromProfiles(new URL('../loader/', import.meta.url));
for (const name of ['tsx', 'esbuild']) {
  const directory = packageDirectory(name);
  if (directory) excludeFromProfiles(directory);
}

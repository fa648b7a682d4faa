/**
 * Preload (`node --import <this> program.ts`) that runs TypeScript through tsx and makes it
 * profile line by line (line-hooks.ts). Plain JavaScript: it runs before anything can load
 * TypeScript, on every Node the workshop supports.
 */

// tsx keeps compiled modules on disk and, once started, tidies that cache in the background:
// file system work after the program's first line that is not the program's, and that a profile
// would show. Its compiled code is replaced by line-hooks.ts anyway, so it keeps it in memory
// instead. The variable is read when tsx loads, and then taken back from what the program sees.
const cacheSetting = process.env.TSX_DISABLE_CACHE;
process.env.TSX_DISABLE_CACHE = '1';
try {
  // tsx's API rather than `--import tsx`, which also connects to a `tsx watch` parent that a
  // profiled program does not have: work after the program's first line that is not its own.
  (await import('tsx/cjs/api')).register();
  (await import('tsx/esm/api')).register();
} finally {
  if (cacheSetting === undefined) delete process.env.TSX_DISABLE_CACHE;
  else process.env.TSX_DISABLE_CACHE = cacheSetting;
}
await import('./line-hooks.ts');

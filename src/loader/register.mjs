/**
 * Preload (`node --import <this> program.ts`) that runs TypeScript through tsx and makes it
 * profile line by line (line-hooks.ts). Plain JavaScript: it runs before anything can load
 * TypeScript, on every Node the workshop supports.
 */
import module from 'node:module';

// tsx keeps compiled modules on disk and, once started, tidies that cache in the background:
// file system work after the program's first line that is not the program's, and that a profile
// would show. Its compiled code is replaced by line-hooks.ts anyway, so it keeps it in memory
// instead. The variable is read when tsx loads, and then taken back from what the program sees.
const cacheSetting = process.env.TSX_DISABLE_CACHE;
process.env.TSX_DISABLE_CACHE = '1';
// Which kind of hook tsx registers depends on the Node and tsx versions; line-hooks.ts must
// register the same kind, so it is told what tsx did rather than guessing from version tables.
const registerHooks = module.registerHooks;
let tsxInThread = false;
if (registerHooks) {
  module.registerHooks = function (...args) {
    tsxInThread = true;
    return registerHooks.apply(this, args);
  };
}
try {
  (await import('tsx/cjs/api')).register();
  (await import('tsx/esm/api')).register();
} finally {
  if (registerHooks) module.registerHooks = registerHooks;
  if (cacheSetting === undefined) delete process.env.TSX_DISABLE_CACHE;
  else process.env.TSX_DISABLE_CACHE = cacheSetting;
}
// Loading tsx also starts a connection to the `tsx watch` process it may run under, which is
// not there: the attempt fails on the event loop's next turn, and closing the socket takes
// Node some milliseconds. Two turns let that end before the program's first line, so that no
// profile of the program shows it.
for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
const { installLineHooks } = await import('./line-hooks.ts');
installLineHooks({ inThread: tsxInThread });

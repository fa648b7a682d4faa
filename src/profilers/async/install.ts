import { syncBuiltinESMExports } from 'node:module';
import { installChildProcess } from './child-process.ts';
import { installDns } from './dns.ts';
import { installEvents } from './events.ts';
import { installFetch } from './fetch.ts';
import { installFs } from './fs.ts';
import { installHttp } from './http.ts';
import { installNet } from './net.ts';
import { setTrackerInstalled, trackerInstalled, undoAll } from './registry.ts';
import { forgetFrames } from './stack.ts';
import { installTimers } from './timers.ts';

const sources = [installTimers, installFs, installDns, installNet, installHttp, installFetch, installChildProcess, installEvents];

/**
 * Starts tracking the async operations user code starts from now on. Installing again does
 * nothing. It patches Node's modules in place, and ES module bindings such as
 * `import { readFile } from 'node:fs/promises'` through syncBuiltinESMExports, so code that
 * imported them before is tracked too; a function copied out before (CommonJS
 * `const { readFile } = require('fs')`) is not.
 */
export function installAsyncTracker(): void {
  if (trackerInstalled()) return;
  try {
    for (const install of sources) install();
  } catch (error) {
    undoPatches();
    throw error;
  }
  // Only now: what the installing itself starts (a probe timer) is not the program's.
  setTrackerInstalled(true);
  syncBuiltinESMExports();
}

/**
 * Puts back every function and channel the tracker touched, exactly as they were, and forgets
 * what was in flight (no end is reported for it). Operations still running finish untracked.
 * Uninstalling when not installed does nothing.
 */
export function uninstallAsyncTracker(): void {
  if (!trackerInstalled()) return;
  setTrackerInstalled(false);
  undoPatches();
  forgetFrames();
}

function undoPatches(): void {
  undoAll();
  syncBuiltinESMExports();
}

/**
 * Whether the tracker is installed: lets a profiler that needs it install it and, when done,
 * uninstall it only if it was the one that installed it.
 */
export function asyncTrackerInstalled(): boolean {
  return trackerInstalled();
}

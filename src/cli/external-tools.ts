import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Where the tools the workshop drives but does not install are found: Chromium (or Chrome) for
 * the deck's PDF and the browser tests, and Go for `go tool pprof`, the reference reader. One
 * list each, for the CLI, the tests and the benchmarks.
 */

/** The first candidate that exists, else `name` on the PATH, else undefined. */
function findExecutable(name: string, candidates: readonly (string | undefined)[]): string | undefined {
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    return execFileSync('which', [name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Chromium or Chrome: $CHROMIUM if set, else the usual places, else `chromium` on the PATH. */
export function findChromium(): string | undefined {
  return findExecutable('chromium', [
    process.env.CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  ]);
}

/** The `go` binary: $GO if set, else Debian's golang-1.19-go, else `go` on the PATH. */
export function findGo(): string | undefined {
  return findExecutable('go', [process.env.GO, '/usr/lib/go-1.19/bin/go']);
}

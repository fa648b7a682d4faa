import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * External tools some tests need. On a learner's machine a missing tool skips those tests with
 * one line saying why; CI sets WORKSHOP_REQUIRE_TOOLS=1, and there a missing tool fails the run,
 * so nothing is skipped silently.
 */
const required = process.env.WORKSHOP_REQUIRE_TOOLS === '1';

function locate(name: string, candidates: (string | undefined)[], install: string): string | undefined {
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    const reason = `${name} not found (${install})`;
    if (required) throw new Error(`WORKSHOP_REQUIRE_TOOLS=1 but ${reason}`);
    console.warn(`skipping tests that need ${name}: ${reason}`);
    return undefined;
  }
}

let go: string | undefined | null = null;
/** The `go` binary whose `go tool pprof` is the reference reader of our profiles. */
export function goBinary(): string | undefined {
  if (go === null) go = locate('go', [process.env.GO, '/usr/lib/go-1.19/bin/go'], 'apt-get install golang-1.19-go');
  return go;
}

let chromium: string | undefined | null = null;
/** The system Chromium that browser tests drive (playwright-core downloads none). */
export function chromiumBinary(): string | undefined {
  if (chromium === null) chromium = locate('chromium', [process.env.CHROMIUM, '/usr/bin/chromium'], 'apt-get install chromium');
  return chromium;
}

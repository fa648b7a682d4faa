import { spawnSync } from 'node:child_process';
import { findChromium, findGo } from '../../src/cli/external-tools.ts';

/**
 * External tools some tests need. On a learner's machine a missing tool skips those tests with
 * one line saying why; CI sets WORKSHOP_REQUIRE_TOOLS=1, and there a missing tool fails the run,
 * so nothing is skipped silently.
 */
const required = process.env.WORKSHOP_REQUIRE_TOOLS === '1';

function located(name: string, found: string | undefined, install: string): string | undefined {
  if (found) return found;
  const reason = `${name} not found (${install})`;
  if (required) throw new Error(`WORKSHOP_REQUIRE_TOOLS=1 but ${reason}`);
  console.warn(`skipping tests that need ${name}: ${reason}`);
  return undefined;
}

let go: string | undefined | null = null;
/** The `go` binary whose `go tool pprof` is the reference reader of our profiles. */
export function goBinary(): string | undefined {
  if (go === null) go = located('go', findGo(), 'apt-get install golang-1.19-go, or set GO=');
  return go;
}

let chromium: string | undefined | null = null;
/** The system Chromium that browser tests drive (playwright-core downloads none). */
export function chromiumBinary(): string | undefined {
  if (chromium === null) chromium = located('chromium', findChromium(), 'apt-get install chromium, or set CHROMIUM=');
  return chromium;
}

let graphviz: string | undefined | null = null;
/** Graphviz's `dot`, which pprof's -svg, -pdf and -png draw the call graph with. */
export function graphvizDot(): string | undefined {
  if (graphviz === null) {
    const found = spawnSync('dot', ['-V'], { stdio: 'ignore' }).error ? undefined : 'dot';
    graphviz = located('graphviz', found, 'apt-get install graphviz');
  }
  return graphviz;
}

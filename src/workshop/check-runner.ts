/**
 * The lean check runner, what `npm run check` runs a check.test.ts with (run-check.ts starts it):
 *
 *   node --import tsx src/workshop/check-runner.ts CHECK_FILE REPORT_FILE
 *
 * Loads the check with its `vitest` import mapped to check-api.ts, runs its tests in order up to
 * the first failure, and writes the outcome to REPORT_FILE as JSON. Starting vitest costs more
 * than most checks (half a second of CPU, a second or more on a busy machine); a check file that
 * asks vitest for more than check-api.ts offers does not load here and is run by vitest instead.
 */
import { writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { CHECK_TIMEOUT_MS, root, type Body, type CheckSuite, type CheckTest } from './check-api.ts';
import type { CheckOutcome } from './run-check.ts';

const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** Runs one test or hook, failing it when it outlasts its time. */
async function call(body: Body, timeoutMs = CHECK_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(body), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

class HookFailed extends Error {}

/** Runs the suite's tests that are to run, with their hooks; the first failure ends the run. */
async function runSuite(
  suite: CheckSuite,
  selected: (test: CheckTest, ancestors: CheckSuite[]) => boolean,
  ancestors: CheckSuite[],
): Promise<{ ran: number; failure?: string }> {
  const chain = [...ancestors, suite];
  const hasSelected = (node: CheckSuite): boolean => node.children.some((child) => (child.kind === 'test' ? selected(child, chain) : hasSelected(child)));
  if (!hasSelected(suite)) return { ran: 0 };
  const hook = async (body: Body) => {
    try {
      await call(body);
    } catch (error) {
      throw new HookFailed(describeError(error));
    }
  };
  let ran = 0;
  let failure: string | undefined;
  try {
    for (const body of suite.beforeAll) await hook(body);
    for (const child of suite.children) {
      if (child.kind === 'suite') {
        const inner = await runSuite(child, selected, chain);
        ran += inner.ran;
        failure = inner.failure;
        if (failure) return { ran, failure };
        continue;
      }
      if (!selected(child, chain)) continue;
      ran++;
      for (const body of chain.flatMap((node) => node.beforeEach)) await hook(body);
      try {
        await call(child.body!, child.timeoutMs);
      } catch (error) {
        failure = describeError(error);
        return { ran, failure };
      } finally {
        for (const body of chain.toReversed().flatMap((node) => node.afterEach)) await hook(body);
      }
    }
    return { ran };
  } finally {
    // Cleaning up after a failure, a failing hook does not hide the test's reason.
    for (const body of suite.afterAll) {
      try {
        await hook(body);
      } catch (error) {
        // biome-ignore lint/correctness/noUnsafeFinally: a failing clean-up is reported only when the suite had no failure of its own
        if (!failure) throw error;
      }
    }
  }
}

async function run(checkFile: string): Promise<CheckOutcome> {
  // The same module this one imported: the tests the check declares are in its root.
  const api = new URL('./check-api.ts', import.meta.url).href;
  // In-thread hooks came in Node 22.15; an older Node runs the check with vitest instead.
  const { registerHooks } = nodeModule as Partial<typeof nodeModule>;
  if (!registerHooks) return { outcome: 'unloadable', message: `Node ${process.version} has no module.registerHooks` };
  registerHooks({
    resolve: (specifier, context, nextResolve) => (specifier === 'vitest' ? { url: api, shortCircuit: true } : nextResolve(specifier, context)),
  });
  try {
    await import(pathToFileURL(checkFile).href);
  } catch (error) {
    return { outcome: 'unloadable', message: describeError(error) };
  }
  const nodes = (suite: CheckSuite): (CheckTest | CheckSuite)[] => suite.children.flatMap((child) => [child, ...(child.kind === 'suite' ? nodes(child) : [])]);
  const only = nodes(root).some((node) => node.mode === 'only');
  const selected = (test: CheckTest, ancestors: CheckSuite[]) =>
    (test.mode === 'run' || test.mode === 'only') &&
    !ancestors.some((suite) => suite.mode === 'skip') &&
    (!only || test.mode === 'only' || ancestors.some((suite) => suite.mode === 'only'));
  // An error nobody awaited, while a test ran, fails the check rather than passing it unseen.
  let stray: unknown;
  process.on('unhandledRejection', (reason) => (stray ??= reason));
  process.on('uncaughtException', (error) => (stray ??= error));
  try {
    const { ran, failure } = await runSuite(root, selected, []);
    // A rejection nobody handled is reported once the microtasks in flight have run.
    await new Promise((resolve) => setImmediate(resolve));
    if (failure) return { outcome: 'failed', message: failure };
    if (stray !== undefined) return { outcome: 'failed', message: describeError(stray) };
    if (ran === 0) return { outcome: 'empty' };
    return { outcome: 'passed' };
  } catch (error) {
    if (error instanceof HookFailed) return { outcome: 'broken', message: error.message };
    throw error;
  }
}

const [checkFile, reportFile] = process.argv.slice(2);
if (!checkFile || !reportFile) {
  console.error('usage: node --import tsx src/workshop/check-runner.ts CHECK_FILE REPORT_FILE');
  process.exit(2);
}
writeFileSync(reportFile, JSON.stringify(await run(checkFile)));
// The check's programs and servers are done with; handles a check left open do not keep it waiting.
process.exit(0);

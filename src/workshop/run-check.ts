import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a check concluded: done, or the reason it is not, in one line. */
export type Verdict = { done: true } | { done: false; reason: string };

/** How a run of check-runner.ts ended, as it writes it. */
export type CheckOutcome =
  | { outcome: 'passed' }
  | { outcome: 'failed'; message: string }
  /** A hook failed: the check itself could not run. */
  | { outcome: 'broken'; message: string }
  | { outcome: 'empty' }
  /** The check file did not load there: vitest is to run it. */
  | { outcome: 'unloadable'; message: string };

/** The shape of vitest's JSON report that a verdict is read from. */
interface JsonReport {
  testResults: { status: string; message?: string; assertionResults: { status: string; failureMessages: string[] }[] }[];
}

/**
 * Runs the check file in a child process (a check runs the learner's programs and must not share
 * this process) and reads the first failure as the reason: with the lean runner
 * (check-runner.ts), or with vitest when the file wants more of vitest than that runner has.
 */
export async function runCheck(root: string, checkFile: string): Promise<Verdict> {
  const scratch = mkdtempSync(join(tmpdir(), 'workshop-check-'));
  try {
    const lean = await leanCheck(root, checkFile, join(scratch, 'outcome.json'));
    return lean ?? (await vitestCheck(root, checkFile, join(scratch, 'report.json')));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The child's stdout and stderr together, once it has ended. */
function output(command: string, args: string[], root: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise<string>((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env, FORCE_COLOR: '0', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.stderr.on('data', (chunk) => (text += chunk));
    child.on('close', () => resolve(text));
  });
}

/** The verdict of check-runner.ts, or undefined when the check file does not load there. */
async function leanCheck(root: string, checkFile: string, outcomeFile: string): Promise<Verdict | undefined> {
  const runner = fileURLToPath(new URL('./check-runner.ts', import.meta.url));
  const printed = await output(process.execPath, ['--import', 'tsx', runner, checkFile, outcomeFile], root);
  let result: CheckOutcome;
  try {
    result = JSON.parse(readFileSync(outcomeFile, 'utf8')) as CheckOutcome;
  } catch {
    return { done: false, reason: `the check could not run: ${firstLine(printed) || 'it ended without a verdict'}` };
  }
  switch (result.outcome) {
    case 'passed':
      return { done: true };
    case 'failed':
      return { done: false, reason: reasonOf(result.message) };
    case 'broken':
      return { done: false, reason: `the check could not run: ${reasonOf(result.message)}` };
    case 'empty':
      return noTests(checkFile);
    case 'unloadable':
      return undefined;
  }
}

/** The verdict of vitest, run on the one check file as vitest.checks.config.ts says. */
async function vitestCheck(root: string, checkFile: string, reportFile: string): Promise<Verdict> {
  const vitest = join(dirname(createRequire(join(root, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs');
  const config = fileURLToPath(new URL('./vitest.checks.config.ts', import.meta.url));
  const printed = await output(process.execPath, [vitest, 'run', '--config', config, '--root', root, '--reporter=json', `--outputFile=${reportFile}`], root, {
    WORKSHOP_CHECK: checkFile,
  });
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport;
  } catch {
    return { done: false, reason: `the check could not run: ${firstLine(printed) || 'vitest wrote no report'}` };
  }
  const file = report.testResults[0];
  if (!file) return noTests(checkFile);
  const failure = file.assertionResults.find((result) => result.status === 'failed');
  if (failure) return { done: false, reason: reasonOf(failure.failureMessages[0] ?? 'failed') };
  if (file.status !== 'passed') return { done: false, reason: `the check could not run: ${reasonOf(file.message ?? 'it failed to load')}` };
  return { done: true };
}

const noTests = (checkFile: string): Verdict => ({ done: false, reason: `the check found no tests in ${checkFile}` });

/** The message of a failure, without the error's class name or its stack. */
function reasonOf(message: string): string {
  return firstLine(message).replace(/^(NotDone|AssertionError|Error): /, '');
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  );
}

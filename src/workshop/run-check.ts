import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a check concluded: done, or the reason it is not, in one line. */
export type Verdict = { done: true } | { done: false; reason: string };

/** The shape of vitest's JSON report that a verdict is read from. */
interface JsonReport {
  testResults: { status: string; message?: string; assertionResults: { status: string; failureMessages: string[] }[] }[];
}

/**
 * Runs the check file with vitest in a child process (a check runs the learner's programs and
 * must not share this process) and reads the first failure as the reason.
 */
export async function runCheck(root: string, checkFile: string): Promise<Verdict> {
  const vitest = join(dirname(createRequire(join(root, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs');
  const config = fileURLToPath(new URL('./vitest.checks.config.ts', import.meta.url));
  const scratch = mkdtempSync(join(tmpdir(), 'workshop-check-'));
  const reportFile = join(scratch, 'report.json');
  try {
    const output = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [vitest, 'run', '--config', config, '--root', root, '--reporter=json', `--outputFile=${reportFile}`], {
        cwd: root,
        env: { ...process.env, WORKSHOP_CHECK: checkFile, FORCE_COLOR: '0', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('close', () => resolve(text));
    });
    let report: JsonReport;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport;
    } catch {
      return { done: false, reason: `the check could not run: ${firstLine(output) || 'vitest wrote no report'}` };
    }
    const file = report.testResults[0];
    if (!file) return { done: false, reason: `the check found no tests in ${checkFile}` };
    const failure = file.assertionResults.find((result) => result.status === 'failed');
    if (failure) return { done: false, reason: reasonOf(failure.failureMessages[0] ?? 'failed') };
    if (file.status !== 'passed') return { done: false, reason: `the check could not run: ${reasonOf(file.message ?? 'it failed to load')}` };
    return { done: true };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The message of a failure, without the error's class name or its stack. */
function reasonOf(message: string): string {
  return firstLine(message).replace(/^(NotDone|AssertionError|Error): /, '');
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

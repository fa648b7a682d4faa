import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { typescriptNodeFlags } from '../../src/loader/node-flags.ts';
import { fixture, repoRoot } from '../helpers/run.ts';

/** Runs the fixture, sends `signal` once it prints `when`, and resolves with how it ended. */
async function run(how: 'exit' | 'spin', when: string, signal: NodeJS.Signals) {
  const output = join(mkdtempSync(join(tmpdir(), 'stop-on-end-')), 'written');
  const child = spawn(process.execPath, [...typescriptNodeFlags(), fixture('slow-stop.ts'), output, how], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, endedBy) => resolve([code, endedBy])));
  let stdout = '';
  await new Promise((resolve) => child.stdout.on('data', (chunk: Buffer) => (stdout += chunk).includes(when) && resolve(undefined)));
  child.kill(signal);
  return { ended: await ended, written: existsSync(output) ? readFileSync(output, 'utf8') : undefined };
}

describe('stopOnEnd', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('stops a program spinning in synchronous code on %s, writes, and ends by the signal', async (signal) => {
    expect(await run('spin', 'started', signal)).toEqual({ ended: [null, signal], written: 'whole' });
  });

  it('lets the stop that runs on exit finish when a signal comes meanwhile: what it writes is not lost', async () => {
    expect(await run('exit', 'stopping', 'SIGTERM')).toEqual({ ended: [3, null], written: 'whole' });
  });
});

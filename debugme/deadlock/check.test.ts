import { spawnSync } from 'node:child_process';
import { it } from 'vitest';
import { exerciseCommand, exerciseFolder, learnerProfile, notDone, readAnswers, sampleStacks } from '#workshop';
import type { Profile } from 'pprof-format';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    wait_1_function: { kind: 'string', describe: 'the function of one of the two waits that hold each other up' },
    wait_1_line: { kind: 'integer', describe: 'the line of main.ts where that function waits' },
    wait_2_function: { kind: 'string', describe: 'the function of the other wait' },
    wait_2_line: { kind: 'integer', describe: 'the line of main.ts where that function waits' },
  });
const profileCommand = exerciseCommand(folder, ['profile']);

/** Each wait for a lock in the snapshot: the lock, and the code that asked for it (the caller of acquire). */
function lockWaits(profile: Profile): { lock: string; name: string; line: number }[] {
  return sampleStacks(profile)
    .filter(({ frames }) => frames[0]?.name.startsWith('(wait) lock '))
    .map(({ frames }) => {
      const asker = frames.slice(1).find((frame) => frame.name !== 'acquire');
      return { lock: frames[0]!.name.slice('(wait) '.length), name: asker?.name ?? '', line: asker?.line ?? 0 };
    });
}

it('names the two lock acquisitions that wait on each other', () => {
  const given = answers();
  const waits = lockWaits(learnerProfile(folder, 'async.pb.gz', profileCommand));
  if (waits.length < 2 || new Set(waits.map((wait) => wait.lock)).size < 2) notDone(`your async.pb.gz does not show jobs waiting for two locks: take it from main.ts as it came, with ${profileCommand}`);
  const named = [
    { field: 'wait_1', name: given.wait_1_function.replace(/\(\)$/, '').trim(), line: given.wait_1_line },
    { field: 'wait_2', name: given.wait_2_function.replace(/\(\)$/, '').trim(), line: given.wait_2_line },
  ];
  const matched = named.map((answer) => waits.findIndex((wait) => wait.name === answer.name && wait.line === answer.line));
  for (const [i, answer] of named.entries()) {
    if (matched[i]! >= 0) continue;
    if (answer.name === 'acquire') notDone(`${answer.field}_function is acquire, the lock's own method: name the job's function that called it, the next frame down in -traces`);
    if (!waits.some((wait) => wait.name === answer.name)) notDone(`${answer.field}_function is "${answer.name}", but no job in your async.pb.gz waits for a lock there: -traces shows each wait with its stack`);
    notDone(`${answer.field}_line is ${answer.line}, but ${answer.name} waits for its lock on another line in your async.pb.gz: -list=${answer.name} shows it`);
  }
  if (matched[0] === matched[1]) notDone('wait_1 and wait_2 name the same wait: the snapshot holds two, one for each lock');
});

it('finishes the settlement once fixed', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'main.ts'], { cwd: folder, encoding: 'utf8', timeout: 30_000 });
  const last = (result.stderr || result.stdout).trim().split('\n').filter((line) => line.trim() && !line.startsWith('    at ')).pop() ?? '';
  if (result.error || result.signal) notDone(`main.ts did not finish within 30 s when the check ran it: the settlement still gets stuck (${profileCommand} shows on what)`);
  if (result.status === 13) notDone(`main.ts exited with code 13 when the check ran it (${last}): its top-level await never settled, so the settlement still gets stuck`);
  if (result.status !== 0) notDone(`main.ts failed when the check ran it, with exit code ${result.status}: ${last}`);
  const settled = /settled: (\d+) of (\d+) payments posted, (\d+) of (\d+) refunds issued/.exec(result.stdout);
  if (!settled) notDone('main.ts finished without saying "settled: ..." when the check ran it: keep its last line');
  const [, payments, allPayments, refunds, allRefunds] = settled.map(Number);
  if (payments !== allPayments || refunds !== allRefunds) notDone(`main.ts settled ${payments} of ${allPayments} payments and ${refunds} of ${allRefunds} refunds when the check ran it: every one has to go through`);
});

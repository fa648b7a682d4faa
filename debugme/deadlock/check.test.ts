import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'vitest';
import type { Profile } from '#pprof';
import { exerciseCommand, exerciseFolder, lastWords, learnerProfile, notDone, readAnswers, sampleStacks, spawnProgram } from '#workshop';
import { Mutex } from './books.ts';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    wait_1_function: { kind: 'string', describe: 'the function of one of the two waits that hold each other up' },
    wait_1_line: { kind: 'integer', describe: 'the line of main.ts where that function waits' },
    wait_2_function: { kind: 'string', describe: 'the function of the other wait' },
    wait_2_line: { kind: 'integer', describe: 'the line of main.ts where that function waits' },
  });
const profileCommand = exerciseCommand(folder, ['profile']);
/** How long the check waits for a lock that is held: longer than any timeout a lock that gives up would use. */
const LOCK_PATIENCE_MS = 400;

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

it("keeps books.ts's locks as they came: one holder at a time, waiting as long as it takes", async () => {
  const lock = new Mutex('probe');
  const first = await lock.acquire();
  const waiting = lock.acquire();
  const within = (ms: number) => Promise.race([waiting, sleep(ms).then(() => undefined)]);
  if (await within(LOCK_PATIENCE_MS)) notDone(`books.ts's Mutex gave a second job the lock while the first still held it: a lock that stops waiting lets two jobs change the same books at once. books.ts stands for the database: leave it as it came (npm run workshop -- reset deadlock restores it, and keeps your main.ts in .workshop-backups) and fix main.ts`);
  first.release();
  const second = await within(100);
  if (!second) notDone("books.ts's Mutex did not hand the lock to the next in line when its holder released it: leave books.ts as it came and fix main.ts");
  second.release();
});

it('finishes the settlement once fixed, the jobs side by side and every change under its lock', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'deadlock-check-'));
  const journalFile = join(scratch, 'journal.json');
  try {
    const result = spawnProgram(folder, [], { env: { SETTLEMENT_JOURNAL: journalFile }, timeoutMs: 30_000 });
    const last = lastWords(result);
    if (result.error || result.signal) notDone(`main.ts did not finish within 30 s when the check ran it: the settlement still gets stuck (${profileCommand} shows on what)`);
    if (result.status === 13) notDone(`main.ts exited with code 13 when the check ran it (${last}): its top-level await never settled, so the settlement still gets stuck`);
    const refused = /Error: (.* needs the \w+ lock[^\n]*)/.exec(result.stderr)?.[1];
    if (refused) notDone(`the books refused a change when the check ran main.ts: ${refused}. Each part of the books stays locked while it is changed`);
    if (result.status !== 0) notDone(`main.ts failed when the check ran it, with exit code ${result.status}: ${last}`);
    const settled = /settled: (\d+) of (\d+) payments posted, (\d+) of (\d+) refunds issued/.exec(result.stdout);
    if (!settled) notDone('main.ts finished without saying "settled: ..." when the check ran it: keep its last line');
    const [, payments, allPayments, refunds, allRefunds] = settled.map(Number);
    if (payments !== allPayments || refunds !== allRefunds) notDone(`main.ts settled ${payments} of ${allPayments} payments and ${refunds} of ${allRefunds} refunds when the check ran it: every one has to go through`);
    const { changes } = JSON.parse(readFileSync(journalFile, 'utf8')) as { changes: ('payment' | 'refund')[] };
    const span = (job: 'payment' | 'refund') => [changes.indexOf(job), changes.lastIndexOf(job)] as const;
    const [firstPayment, lastPayment] = span('payment');
    const [firstRefund, lastRefund] = span('refund');
    if (lastPayment < firstRefund || lastRefund < firstPayment) {
      notDone(`the settlement finished, but its jobs ran one after the other: every ${lastPayment < firstRefund ? 'payment was posted before the first refund' : 'refund was issued before the first payment'}. The two jobs run side by side, as the README says: fix the order in which they take the locks, not the jobs' overlap`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

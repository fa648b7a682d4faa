import { scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, sep } from 'node:path';
import { it } from 'vitest';
import { sampleTypeIndex, type Profile } from '#pprof';
import { exerciseCommand, exerciseFolder, learnerProfile, notDone, readAnswers, runProgram, sampleStacks } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const profileCommand = exerciseCommand(folder, ['profile']);
/** The cost the README asks the service to keep: scrypt at N = 2^15, r = 8, p = 1, a 64-byte key. */
const SERVICE_COST = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 };
const KEY_LENGTH = 64;
/**
 * At most this share of the serving thread's CPU samples may be in scryptSync. As it came, the
 * service spends nine tenths of them there; with the hashing moved off that thread, none.
 */
const MAX_KEY_DERIVATION_SHARE = 0.1;
const answers = () =>
  readAnswers(folder, {
    hot_function: { kind: 'string', describe: 'the function of main.ts under which cpu.pb.gz spends most of its time' },
    hot_line: { kind: 'integer', describe: 'the line of main.ts that cpu.pb.gz gives for that function' },
  });

/** A frame of the program's own main.ts: the profile names it by its absolute path where it ran. */
const ownMain = `${sep}${basename(folder)}${sep}main.ts`;

/**
 * The function of main.ts the CPU time goes to: each sample charged to the frame of main.ts
 * nearest its leaf (Node's and express's frames above it are how the time was spent), and that
 * function's line, the one most of its time sits on.
 */
function hottestOwnFunction(profile: Profile): { name: string; line: number; share: number } | undefined {
  const cpu = sampleTypeIndex(profile, 'cpu');
  if (cpu < 0) notDone(`cpu.pb.gz is not a CPU profile: make it with ${profileCommand}`);
  const byFunction = new Map<string, number>();
  const byLine = new Map<string, number>();
  let total = 0;
  for (const { frames, values } of sampleStacks(profile)) {
    const value = values[cpu] ?? 0;
    total += value;
    const own = frames.find((frame) => frame.file.endsWith(ownMain));
    if (!own) continue;
    byFunction.set(own.name, (byFunction.get(own.name) ?? 0) + value);
    byLine.set(`${own.name}:${own.line}`, (byLine.get(`${own.name}:${own.line}`) ?? 0) + value);
  }
  const [name, time] = [...byFunction].sort(([, a], [, b]) => b - a)[0] ?? [];
  if (name === undefined || time === undefined || total === 0) return undefined;
  const [line] = [...byLine].filter(([key]) => key.startsWith(`${name}:`)).sort(([, a], [, b]) => b - a)[0]!;
  return { name, line: Number(line.slice(name.length + 1)), share: time / total };
}

it('names the function the CPU time goes to', () => {
  const { hot_function: name, hot_line: line } = answers();
  const hottest = hottestOwnFunction(learnerProfile(folder, 'cpu.pb.gz', profileCommand));
  // The service as it came spends most of its CPU under one function of its own; once fixed, no function does.
  if (!hottest || hottest.share < 0.5) {
    notDone(`no function of main.ts takes most of the time in cpu.pb.gz: it looks like a profile of a fixed service. Answer from the service as it came: git stash your fix, ${profileCommand}, git stash pop`);
  }
  if (name.trim().replace(/\(\)$/, '') !== hottest.name) notDone(`hot_function is "${name}", but most of the CPU time in cpu.pb.gz goes to another function of main.ts: the first rows of -top are Node's, so look for the first caller of them that main.ts defines (-peek, or -top -cum)`);
  if (line !== hottest.line) notDone(`hot_line is ${line}, but cpu.pb.gz puts ${hottest.name}'s time on another line of main.ts: -list=${hottest.name} shows where it lands`);
});

/** Latency under which `percent` of the requests came back (nearest rank). */
const percentile = (sorted: readonly number[], percent: number) => sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)] ?? 0;

it('keeps the other routes fast while members sign in, with the keys as costly as they were', () => {
  // The service as it is now, under the same visitors: main.ts check profiles it, and prints
  // their latencies and the members' stored keys.
  const scratch = mkdtempSync(join(tmpdir(), 'slow-endpoint-check-'));
  try {
    const profileFile = join(scratch, 'check-cpu.pb.gz');
    const { stdout } = runProgram(folder, ['check', profileFile]);
    const last = stdout.trim().split('\n').pop() ?? '';
    let report: { latencies: Record<string, number[]>; unexpected: string[]; members: { card: string; salt: string; key: string }[] };
    try {
      report = JSON.parse(last);
      if (typeof report.latencies !== 'object' || !Array.isArray(report.unexpected) || !Array.isArray(report.members)) throw new Error('not a report');
    } catch {
      notDone(`main.ts check should end by printing the visitors' latencies and the members' keys as JSON, but it printed: ${last.slice(0, 120)}`);
    }
    if (report.members.length === 0) notDone("main.ts check printed no members' keys: keep the members, and the line that prints them");
    // The cost stays: each stored key is what scrypt derives from the member's password at the cost the README states.
    for (const { card, salt, key } of report.members) {
      const password = `open sesame ${Number(card.replace('card-', '')) - 1000}`;
      const expected = scryptSync(password, Buffer.from(salt, 'hex'), KEY_LENGTH, SERVICE_COST);
      if (!expected.equals(Buffer.from(key, 'hex'))) {
        notDone(`the key the service stores for ${card} is not the one scrypt derives from the member's password at the service's cost (N = 2^15, r = 8, p = 1, 64 bytes): a cheaper hash is as much cheaper for whoever steals the keys. Keep the cost; stop the hashing from holding up the other requests`);
      }
    }
    if (report.unexpected.length > 0) notDone(`under load the service gave answers it should not: ${report.unexpected.slice(0, 3).join('; ')}. A member with the right password signs in (200), a wrong one does not (401)`);
    const signIns = report.latencies['POST /login'] ?? [];
    const others = Object.entries(report.latencies).filter(([route]) => route !== 'POST /login').flatMap(([, values]) => values);
    if (signIns.length === 0 || others.length === 0) notDone(`under load the service answered ${signIns.length} sign-ins and ${others.length} other requests: it must answer both; run ${exerciseCommand(folder, ['check'])} to see what happens`);
    // Not the latencies themselves, which a busy machine stretches for any service: whether the
    // thread that serves every request still derives keys. Its CPU profile says, by share of
    // samples, however busy the machine.
    const share = keyDerivationShare(learnerProfile(scratch, 'check-cpu.pb.gz', exerciseCommand(folder, ['check'])));
    if (share > MAX_KEY_DERIVATION_SHARE) {
      const sorted = [...others].sort((a, b) => a - b);
      notDone(
        `in a CPU profile of your service under the same visitors, ${(100 * share).toFixed(0)}% of the samples of the thread that serves every request are in scryptSync (a book page's p99 was ${percentile(sorted, 99).toFixed(0)} ms): ` +
          'while it derives a key, no other request can even be read. Derive keys somewhere else than that thread, at the same cost',
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

/** The share of a CPU profile's samples with scryptSync on their stack: the event loop deriving keys. */
function keyDerivationShare(profile: Profile): number {
  const samples = sampleStacks(profile);
  const total = samples.reduce((sum, { values }) => sum + (values[0] ?? 0), 0);
  const deriving = samples.filter(({ frames }) => frames.some((frame) => frame.name === 'scryptSync')).reduce((sum, { values }) => sum + (values[0] ?? 0), 0);
  return total === 0 ? 0 : deriving / total;
}

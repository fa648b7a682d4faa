import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import type { Profile } from 'pprof-format';
import { exerciseCommand, exerciseFolder, functionCosts, learnerProfile, notDone, readAnswers, runProgram } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    shrank_most_function: { kind: 'string', describe: 'the function whose flat time shrank the most in the diff of after.pb.gz against before.pb.gz' },
    shrank_flat_percent: { kind: 'number', describe: "that function's flat% in the diff, e.g. 42.5" },
    after_top_function: { kind: 'string', describe: 'the function with the most flat time in after.pb.gz' },
  });
const before = () => learnerProfile(folder, 'before.pb.gz', exerciseCommand(folder, ['before']));

/**
 * The learner's code as it is now, profiled by the check itself, as step 3 profiles it: the
 * check does not trust after.pb.gz, which may predate the fix. Run once per check.
 */
const scratch = mkdtempSync(join(tmpdir(), 'workshop-10-diff-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let current: Profile | undefined;
function currentCode(): Profile {
  if (!current) {
    runProgram(folder, [join(scratch, 'current')]);
    current = learnerProfile(scratch, 'current.pb.gz', exerciseCommand(folder, ['after']));
  }
  return current;
}

const cpuTotal = (profile: Profile): number => [...functionCosts(profile, 'cpu').values()].reduce((sum, cost) => sum + cost.flat, 0);
const sameName = (answer: string, name: string) => answer.trim().replace(/\(\)$/, '') === name;

/** Each function's change in flat CPU time from before.pb.gz to now, most shrunk first, as -diff_base ranks them. */
function diff(base: Profile, now: Profile): { name: string; change: number }[] {
  const baseCosts = functionCosts(base, 'cpu');
  const nowCosts = functionCosts(now, 'cpu');
  const names = new Set([...baseCosts.keys(), ...nowCosts.keys()]);
  return [...names].map((name) => ({ name, change: (nowCosts.get(name)?.flat ?? 0) - (baseCosts.get(name)?.flat ?? 0) })).sort((a, b) => a.change - b.change);
}

it('makes the slow function at least five times faster', () => {
  const base = before();
  const [slowest, was] = [...functionCosts(base, 'cpu')].sort(([, a], [, b]) => b.flat - a.flat)[0] ?? [];
  if (slowest === undefined || was === undefined) notDone(`before.pb.gz holds no samples: make it again with ${exerciseCommand(folder, ['before'])}`);
  const now = functionCosts(currentCode(), 'cpu').get(slowest)?.cum ?? 0;
  if (now * 5 > was.cum) {
    notDone(
      `the check profiled your billing.ts as it is now: the function at the top of before.pb.gz takes ${(now / 1e6).toFixed(0)} ms of CPU, against ${(was.cum / 1e6).toFixed(0)} ms in before.pb.gz. ` +
        'Make it at least 5 times faster (step 2); if you made before.pb.gz after a fix, make it again from the original billing.ts',
    );
  }
});

it('names the function that shrank the most, and by how much', () => {
  const { shrank_most_function: name, shrank_flat_percent: percent } = answers();
  const base = before();
  const [shrank] = diff(base, currentCode());
  if (!shrank || !sameName(name, shrank.name)) notDone(`shrank_most_function is "${name}", but in the diff another function lost more flat time: the first row of -top with -diff_base`);
  // What the learner's diff says depends on their after.pb.gz too: the function's share of before.pb.gz, less the
  // little it takes after the fix. That little grows when a machine is busier during one run than the other, so the
  // check accepts anything between the share (nothing left after) and the share less what it takes in the check's run,
  // with five points either side. pprof prints the percentage without a sign: either sign is right.
  const total = cpuTotal(base);
  const share = (100 * (functionCosts(base, 'cpu').get(shrank.name)?.flat ?? 0)) / total;
  const diffShare = (100 * Math.abs(shrank.change)) / total;
  const [low, high] = [Math.min(share, diffShare) - 5, Math.max(share, diffShare) + 5];
  if (Math.abs(percent) < low || Math.abs(percent) > high) notDone(`shrank_flat_percent is ${percent}, but the diff of your profiles says otherwise: the flat% of that row, a share of before.pb.gz's total`);
});

it('names what to look at next', () => {
  const { after_top_function: name } = answers();
  const [top] = [...functionCosts(currentCode(), 'cpu')].sort(([, a], [, b]) => b.flat - a.flat)[0] ?? [];
  if (top === undefined || !sameName(name, top)) notDone(`after_top_function is "${name}", but another function has more flat time once the code is fixed: the first row of -top on after.pb.gz`);
});

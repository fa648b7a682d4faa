import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import type { Profile } from '#pprof';
import { exerciseCommand, exerciseFolder, expectReading, functionCosts, learnerProfile, notDone, printedPercent, profileTotal, readAnswers, runProgram } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    shrank_most_function: { kind: 'string', describe: 'the function whose flat time shrank the most in the diff of after.pb.gz against before.pb.gz' },
    shrank_flat_percent: { kind: 'number', describe: "that function's flat% in the diff, e.g. 42.5" },
    after_top_function: { kind: 'string', describe: 'the function with the most flat time in after.pb.gz' },
  });
const before = () => learnerProfile(folder, 'before.pb.gz', exerciseCommand(folder, ['before']));
const after = () => learnerProfile(folder, 'after.pb.gz', exerciseCommand(folder, ['after']));

/**
 * The learner's code as it is now, profiled by the check itself, as step 3 profiles it: proof
 * that billing.ts is fixed, which after.pb.gz may predate. The answers are read from the
 * learner's own after.pb.gz, against before.pb.gz, as -diff_base prints them.
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

const cpuTotal = (profile: Profile): number => profileTotal(profile, 'cpu');
const sameName = (answer: string, name: string) => answer.trim().replace(/\(\)$/, '') === name;
const flatLeader = (profile: Profile) => [...functionCosts(profile, 'cpu')].sort(([, a], [, b]) => b.flat - a.flat)[0];

/** Each function's change in flat and cum CPU time from base to now, most shrunk flat first, as -diff_base ranks them. */
function diff(base: Profile, now: Profile): { name: string; flat: number; cum: number }[] {
  const baseCosts = functionCosts(base, 'cpu');
  const nowCosts = functionCosts(now, 'cpu');
  const names = new Set([...baseCosts.keys(), ...nowCosts.keys()]);
  return [...names]
    .map((name) => ({ name, flat: (nowCosts.get(name)?.flat ?? 0) - (baseCosts.get(name)?.flat ?? 0), cum: (nowCosts.get(name)?.cum ?? 0) - (baseCosts.get(name)?.cum ?? 0) }))
    .sort((a, b) => a.flat - b.flat);
}

/** The function at the top of before.pb.gz, and its CPU time there. */
function slowest(): { name: string; cum: number } {
  const [name, cost] = flatLeader(before()) ?? [];
  if (name === undefined || cost === undefined) notDone(`before.pb.gz holds no samples: make it again with ${exerciseCommand(folder, ['before'])}`);
  return { name, cum: cost.cum };
}

it('makes the slow function at least five times faster', () => {
  const { name, cum: was } = slowest();
  const now = functionCosts(currentCode(), 'cpu').get(name)?.cum ?? 0;
  if (now * 5 > was) {
    notDone(
      `the check profiled your billing.ts as it is now: the function at the top of before.pb.gz takes ${(now / 1e6).toFixed(0)} ms of CPU, against ${(was / 1e6).toFixed(0)} ms in before.pb.gz. ` +
        'Make it at least 5 times faster (step 2); if you made before.pb.gz after a fix, make it again from the original billing.ts',
    );
  }
  const inAfter = functionCosts(after(), 'cpu').get(name)?.cum ?? 0;
  if (inAfter * 5 > was) notDone(`your after.pb.gz still spends ${(inAfter / 1e6).toFixed(0)} ms in ${name}: it was made before the fix. Make it again with ${exerciseCommand(folder, ['after'])}`);
});

it('names the function that shrank the most, and by how much', () => {
  const { shrank_most_function: name, shrank_flat_percent: percent } = answers();
  const base = before();
  const changes = diff(base, after());
  const [shrank] = changes;
  if (!shrank || !sameName(name, shrank.name)) notDone(`shrank_most_function is "${name}", but in the diff of your after.pb.gz against before.pb.gz another function lost more flat time: the first row of -top with -diff_base`);
  // pprof prints the diff's percentages of the base's total, without a sign: either sign is right.
  const total = cpuTotal(base);
  const baseCost = functionCosts(base, 'cpu').get(shrank.name);
  const afterProfile = after();
  const afterCost = functionCosts(afterProfile, 'cpu').get(shrank.name);
  const confusions = [
    { printed: printedPercent(shrank.cum, total), is: `${shrank.name}'s cum% in the diff` },
    ...(baseCost ? [{ printed: printedPercent(baseCost.flat, total), is: `${shrank.name}'s flat% in before.pb.gz alone` }, { printed: printedPercent(baseCost.cum, total), is: `${shrank.name}'s cum% in before.pb.gz alone` }] : []),
    ...(afterCost ? [{ printed: printedPercent(afterCost.flat, cpuTotal(afterProfile)), is: `${shrank.name}'s flat% in after.pb.gz alone` }] : []),
  ];
  expectReading('shrank_flat_percent', Math.abs(percent), printedPercent(shrank.flat, total), { wanted: `${shrank.name}'s flat% in the diff`, find: 'Read it in -top -diff_base=exercises/10-diff/before.pb.gz exercises/10-diff/after.pb.gz, the second column of its row' }, confusions);
});

it('names what to look at next', () => {
  const { after_top_function: name } = answers();
  const [top] = flatLeader(after()) ?? [];
  if (top === undefined || !sameName(name, top)) notDone(`after_top_function is "${name}", but another function has more flat time in your after.pb.gz: the first row of its -top`);
});

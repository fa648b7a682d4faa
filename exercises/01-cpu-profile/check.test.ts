import { it } from 'vitest';
import { exerciseCommand, exerciseFolder, functionCosts, learnerProfile, notDone, readAnswers } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    hashChain_samples_at_1000: { kind: 'integer', describe: 'how many samples have hashChain on their stack at 1,000 rounds' },
    sampling_interval_ms: { kind: 'number', describe: 'how many milliseconds one sample stands for' },
    hashChain_flat_percent: { kind: 'number', describe: "hashChain's flat% at a million rounds" },
    hashChain_cum_percent: { kind: 'number', describe: "hashChain's cum% at a million rounds" },
    sha256_cum_percent: { kind: 'number', describe: "sha256's cum% at a million rounds" },
  });
const small = () => learnerProfile(folder, 'cpu-1000.pb.gz', exerciseCommand(folder));
const large = () => learnerProfile(folder, 'cpu-1000000.pb.gz', exerciseCommand(folder, ['1000000']));

it('counts the samples that saw the 1,000 rounds', () => {
  const { hashChain_samples_at_1000: answer } = answers();
  const actual = functionCosts(small(), 'samples').get('hashChain')?.cum ?? 0;
  // A sample more or less: the learner may have run it again since reading the count.
  if (Math.abs(answer - actual) > 1) notDone(`hashChain_samples_at_1000 is ${answer}, but your cpu-1000.pb.gz says otherwise: find hashChain in -top -sample_index=samples (no row means no sample)`);
});

it('knows what one sample stands for', () => {
  const { sampling_interval_ms: answer } = answers();
  const profile = small();
  const periodMs = Number(profile.period) / 1e6;
  if (Math.abs(answer - periodMs) > 0.01) notDone(`sampling_interval_ms is ${answer}, but your profile samples at another interval: 1000 ms divided by the samples per second (the profiler's rate)`);
});

it("reads hashChain's flat and cum at a million rounds", () => {
  const { hashChain_flat_percent: flat, hashChain_cum_percent: cum } = answers();
  const actual = functionCosts(large(), 'cpu').get('hashChain');
  if (!actual) notDone('your cpu-1000000.pb.gz has no hashChain: run it again with a million rounds');
  if (Math.abs(flat - actual.flatPercent) > 5) notDone(`hashChain_flat_percent is ${flat}: that is not hashChain's flat% in your cpu-1000000.pb.gz (the second column of -top)`);
  if (Math.abs(cum - actual.cumPercent) > 5) notDone(`hashChain_cum_percent is ${cum}: that is not hashChain's cum% in your cpu-1000000.pb.gz (the last number column of -top)`);
});

it("reads sha256's cum at a million rounds", () => {
  // Not its flat: how sha256 and compress split their flat time changes with what V8 inlines.
  const { sha256_cum_percent: cum } = answers();
  const actual = functionCosts(large(), 'cpu').get('sha256');
  if (!actual) notDone('your cpu-1000000.pb.gz has no sha256: run it again with a million rounds');
  if (Math.abs(cum - actual.cumPercent) > 5) notDone(`sha256_cum_percent is ${cum}: that is not sha256's cum% in your cpu-1000000.pb.gz`);
});

import { it } from 'vitest';
import { exerciseCommand, exerciseFolder, expectReading, functionCosts, learnerProfile, notDone, printedPercent, profileTotal, readAnswers, readsAs, rowConfusions } from '#workshop';
import { toFixed } from '../../src/report/measurement.ts';

/**
 * Every answer is read from the learner's own profiles, as -top prints it: right within the
 * report's rounding, and a reading of the wrong row, column or profile is named as such.
 */
const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    hashChain_samples_at_1000: { kind: 'integer', describe: 'how many samples have hashChain on their stack at 1,000 rounds' },
    ms_per_sample: { kind: 'number', describe: 'how many ms of CPU time one sample of cpu-1000000.pb.gz stands for on average: its Total divided by its Total samples' },
    hashChain_flat_percent: { kind: 'number', describe: "hashChain's flat% at a million rounds" },
    hashChain_cum_percent: { kind: 'number', describe: "hashChain's cum% at a million rounds" },
    sha256_cum_percent: { kind: 'number', describe: "sha256's cum% at a million rounds" },
  });
const SMALL = 'cpu-1000.pb.gz';
const LARGE = 'cpu-1000000.pb.gz';
const small = () => learnerProfile(folder, SMALL, exerciseCommand(folder));
const large = () => learnerProfile(folder, LARGE, exerciseCommand(folder, ['1000000']));

it('counts the samples that saw the 1,000 rounds', () => {
  const { hashChain_samples_at_1000: answer } = answers();
  const profile = small();
  const actual = functionCosts(profile, 'samples').get('hashChain')?.cum ?? 0;
  if (answer === actual) return;
  const total = profileTotal(profile, 'samples');
  if (answer === total) notDone(`hashChain_samples_at_1000 is ${answer}: that is every sample of ${SMALL} (its header's Total samples), not those with hashChain on their stack: its cum in -top -sample_index=samples, and no row means none`);
  notDone(`hashChain_samples_at_1000 is ${answer}, but your ${SMALL} says otherwise: find hashChain in -top -sample_index=samples (its cum; no row means no sample)`);
});

it('knows what one sample stands for', () => {
  const { ms_per_sample: answer } = answers();
  const profile = large();
  const cpuTotal = profileTotal(profile, 'cpu');
  const samples = profileTotal(profile, 'samples');
  if (samples === 0) notDone(`your ${LARGE} holds no samples: make it again with ${exerciseCommand(folder, ['1000000'])}`);
  // To a tenth of a ms at least: a whole 10 would hide what the question is about. Off by the
  // rounding of the header's Total (three digits) passes too.
  const exact = cpuTotal / 1e6 / samples;
  if (Math.abs(answer - exact) <= Math.max(0.05, 0.005 * exact)) return;
  const periodMs = Number(profile.period) / 1e6;
  if (readsAs(answer, toFixed(periodMs, 2))) notDone(`ms_per_sample is ${answer}: that is the period the profiler was asked to sample at, not what a sample of ${LARGE} stands for. Each sample is weighted by the CPU time since the one before: divide the header's Total by its Total samples (-sample_index=samples)`);
  notDone(`ms_per_sample is ${answer}, but your ${LARGE} says otherwise: divide the Total of its -top header (in ms) by the Total samples of -top -sample_index=samples`);
});

it("reads hashChain's flat and cum at a million rounds", () => {
  const { hashChain_flat_percent: flat, hashChain_cum_percent: cum } = answers();
  const profile = large();
  const costs = functionCosts(profile, 'cpu');
  const total = profileTotal(profile, 'cpu');
  const actual = costs.get('hashChain');
  if (!actual) notDone(`your ${LARGE} has no hashChain: run it again with a million rounds`);
  const confusions = rowConfusions(costs, total, 'hashChain', LARGE);
  expectReading('hashChain_flat_percent', flat, printedPercent(actual.flat, total), { wanted: `hashChain's flat% in ${LARGE}`, find: 'It is the second column of -top (flat%), on the row of hashChain' }, confusions);
  expectReading('hashChain_cum_percent', cum, printedPercent(actual.cum, total), { wanted: `hashChain's cum% in ${LARGE}`, find: 'It is the last number column of -top (cum%), on the row of hashChain' }, confusions);
});

it("reads sha256's cum at a million rounds", () => {
  const { sha256_cum_percent: cum } = answers();
  const profile = large();
  const costs = functionCosts(profile, 'cpu');
  const total = profileTotal(profile, 'cpu');
  const actual = costs.get('sha256');
  if (!actual) notDone(`your ${LARGE} has no sha256: run it again with a million rounds`);
  expectReading('sha256_cum_percent', cum, printedPercent(actual.cum, total), { wanted: `sha256's cum% in ${LARGE}`, find: 'It is the last number column of -top, on the row of sha256' }, rowConfusions(costs, total, 'sha256', LARGE));
});

import { it } from 'vitest';
import type { Profile } from 'pprof-format';
import { exerciseCommand, exerciseFolder, functionCosts, learnerProfile, notDone, readAnswers, type FunctionCost } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    inuse_top_function: { kind: 'string', describe: 'the function with the largest flat inuse_space in heap.pb.gz' },
    alloc_top_function: { kind: 'string', describe: 'the function with the largest flat alloc_space in allocs.pb.gz' },
    sampling_interval_kib: { kind: 'number', describe: 'how many KiB of allocation one heap sample stands for in heap.pb.gz' },
    held_mb: { kind: 'number', describe: 'the cum, in MB, of your inuse_top_function in heap-16k.pb.gz' },
  });
const heap = () => learnerProfile(folder, 'heap.pb.gz', exerciseCommand(folder));
const allocs = () => learnerProfile(folder, 'allocs.pb.gz', exerciseCommand(folder));
const fineHeap = () => learnerProfile(folder, 'heap-16k.pb.gz', exerciseCommand(folder, ['16']));

/** Each function's costs in `type`, biggest flat first; NotDone if the file holds another kind of profile. */
function ranked(profile: Profile, type: string, file: string): [string, FunctionCost][] {
  const strings = profile.stringTable.strings;
  if (!profile.sampleType.some((sampleType) => strings[Number(sampleType.type)] === type)) notDone(`${file} has no ${type}: make it again with ${exerciseCommand(folder)}`);
  const costs = [...functionCosts(profile, type)].sort(([, a], [, b]) => b.flat - a.flat);
  if (costs.length === 0 || costs[0]![1].flat <= 0) notDone(`${file} holds no samples: make it again with ${exerciseCommand(folder)}`);
  return costs;
}

const sameName = (answer: string, name: string) => answer.trim().replace(/\(\)$/, '') === name;

it('names the function that holds the most', () => {
  const { inuse_top_function: answer } = answers();
  const [top] = ranked(heap(), 'inuse_space', 'heap.pb.gz')[0]!;
  if (!sameName(answer, top)) notDone(`inuse_top_function is "${answer}", but another function holds more in your heap.pb.gz: the first row of -top, which shows inuse_space by default`);
});

it('names the function that allocated the most', () => {
  const { alloc_top_function: answer } = answers();
  const [top] = ranked(allocs(), 'alloc_space', 'allocs.pb.gz')[0]!;
  if (!sameName(answer, top)) notDone(`alloc_top_function is "${answer}", but another function allocated more in your allocs.pb.gz: the first row of its -top (alloc_space)`);
});

it('reads the sampling interval from the profile', () => {
  const { sampling_interval_kib: answer } = answers();
  const profile = heap();
  const periodKiB = Number(profile.period) / 1024;
  if (periodKiB <= 0) notDone(`heap.pb.gz records no sampling interval: make it again with ${exerciseCommand(folder)}`);
  if (Math.abs(answer - periodKiB) > 0.5) notDone(`sampling_interval_kib is ${answer}, but heap.pb.gz samples at another interval: it is the profile's period (-raw shows it), in bytes; divide by 1024`);
});

it('reads how much the cache holds, from the finer profile', () => {
  const { held_mb: answer } = answers();
  const profile = fineHeap();
  const [, cost] = ranked(profile, 'inuse_space', 'heap-16k.pb.gz')[0]!;
  const actualMB = cost.cum / 2 ** 20;
  // Generous: the learner may have read flat instead of cum, or run the program again since.
  if (Math.abs(answer - actualMB) > 0.15 * actualMB) notDone(`held_mb is ${answer}, but your heap-16k.pb.gz says the function that holds the most holds another amount: its cum (the fourth number column of -top), in MB`);
});

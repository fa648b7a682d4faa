import { it } from 'vitest';
import type { Profile } from 'pprof-format';
import { exerciseCommand, exerciseFolder, expectReading, functionCosts, learnerProfile, notDone, printedIn, readAnswers, type FunctionCost } from '#workshop';

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
  if (answer !== periodKiB) notDone(`sampling_interval_kib is ${answer}, but heap.pb.gz samples at another interval: it is the profile's period (-raw shows it), in bytes; divide by 1024`);
});

it('reads how much the cache holds, from the finer profile', () => {
  const { held_mb: answer, inuse_top_function: named } = answers();
  const profile = fineHeap();
  const costs = ranked(profile, 'inuse_space', 'heap-16k.pb.gz');
  const [top, cost] = costs[0]!;
  const mb = (bytes: number) => printedIn(bytes, 'bytes', 'MB');
  const coarse = functionCosts(heap(), 'inuse_space').get(top);
  const confusions = [
    { printed: mb(cost.flat), is: `${top}'s flat in heap-16k.pb.gz` },
    ...(coarse ? [{ printed: mb(coarse.cum), is: `${top}'s cum in heap.pb.gz, sampled every 512 KiB` }, { printed: mb(coarse.flat), is: `${top}'s flat in heap.pb.gz` }] : []),
    ...costs.slice(1).map(([other, otherCost]) => ({ printed: mb(otherCost.cum), is: `the cum of another row, ${other}` })),
  ];
  if (!sameName(named, top)) notDone(`held_mb is the cum of your inuse_top_function, "${named}", in heap-16k.pb.gz, where ${top} holds the most: answer inuse_top_function first`);
  expectReading('held_mb', answer, mb(cost.cum), { wanted: `${top}'s cum in heap-16k.pb.gz`, find: 'Read the fourth number column of -top on heap-16k.pb.gz, in MB' }, confusions);
});

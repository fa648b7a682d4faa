import { it } from 'vitest';
import { sampleTypeIndex, type Profile } from '#pprof';
import { exerciseCommand, exerciseFolder, expectReading, functionCosts, learnerProfile, notDone, printedIn, readAnswers, runProgram, type FunctionCost } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    inuse_top_function: { kind: 'string', describe: 'the function with the largest flat inuse_space in heap.pb.gz' },
    alloc_top_function: { kind: 'string', describe: 'the function with the largest flat alloc_space in allocs.pb.gz' },
    sampling_interval_kib: { kind: 'number', describe: 'how many KiB of allocation one heap sample stands for in heap.pb.gz' },
    held_mb: { kind: 'number', describe: 'the cum, in MB, of your inuse_top_function in heap-16k.pb.gz' },
    held_after_mb: { kind: 'number', describe: 'the cum, in MB, of your inuse_top_function in heap-after.pb.gz, made after your fix' },
  });
const heap = () => learnerProfile(folder, 'heap.pb.gz', exerciseCommand(folder));
const allocs = () => learnerProfile(folder, 'allocs.pb.gz', exerciseCommand(folder));
const fineHeap = () => learnerProfile(folder, 'heap-16k.pb.gz', exerciseCommand(folder, ['16']));
const fineAllocs = () => learnerProfile(folder, 'allocs-16k.pb.gz', exerciseCommand(folder, ['16']));
const afterHeap = () => learnerProfile(folder, 'heap-after.pb.gz', `${exerciseCommand(folder, ['after'])}, after your fix`);
const afterAllocs = () => learnerProfile(folder, 'allocs-after.pb.gz', `${exerciseCommand(folder, ['after'])}, after your fix`);

/** Each function's costs in `type`, biggest flat first; NotDone if the file holds another kind of profile. */
function ranked(profile: Profile, type: string, file: string): [string, FunctionCost][] {
  if (sampleTypeIndex(profile, type) < 0) notDone(`${file} has no ${type}: make it again with ${exerciseCommand(folder)}`);
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

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** The function that holds the most in heap-16k.pb.gz (the service as it came), and its cum there. */
function holderBefore(): { name: string; cum: number } {
  const [name, cost] = ranked(fineHeap(), 'inuse_space', 'heap-16k.pb.gz')[0]!;
  return { name, cum: cost.cum };
}

it('proves the fix with a second heap profile: the holder holds far less, the rendering allocates as much', () => {
  const holder = holderBefore();
  const after = afterHeap();
  ranked(after, 'inuse_space', 'heap-after.pb.gz');
  const heldAfter = functionCosts(after, 'inuse_space').get(holder.name)?.cum ?? 0;
  if (heldAfter * 2 > holder.cum) {
    notDone(
      `${holder.name} holds ${mb(heldAfter)} in your heap-after.pb.gz, against ${mb(holder.cum)} in heap-16k.pb.gz: the fix should at least halve it. ` +
        `Make heap-after.pb.gz again after your fix (${exerciseCommand(folder, ['after'])}); if heap-16k.pb.gz was made after a fix too, make it again from main.ts as it came`,
    );
  }
  // The allocations that were garbage anyway are not what the fix is about: they stay.
  const renderer = ranked(fineAllocs(), 'alloc_space', 'allocs-16k.pb.gz')[0]!;
  ranked(afterAllocs(), 'alloc_space', 'allocs-after.pb.gz');
  const allocatedAfter = functionCosts(afterAllocs(), 'alloc_space').get(renderer[0])?.cum ?? 0;
  const ratio = allocatedAfter / renderer[1].cum;
  if (ratio < 0.75 || ratio > 1.25) {
    notDone(
      `${renderer[0]} allocated ${mb(allocatedAfter)} in your allocs-after.pb.gz, against ${mb(renderer[1].cum)} in allocs-16k.pb.gz: the fix is to what the service holds, ` +
        'and the garbage it makes should stay as it was. Leave renderQuotes as it came, and make both profiles from the same workload',
    );
  }
});

it('reads how much the holder keeps after the fix', () => {
  const { held_after_mb: answer, inuse_top_function: named } = answers();
  const holder = holderBefore();
  if (!sameName(named, holder.name)) notDone(`held_after_mb is the cum of your inuse_top_function, "${named}", in heap-after.pb.gz, where ${holder.name} held the most before: answer inuse_top_function first`);
  const after = afterHeap();
  const cost = functionCosts(after, 'inuse_space').get(holder.name);
  if (!cost) notDone(`your heap-after.pb.gz has no ${holder.name}: it held nothing sampled after your fix. Does the service still remember its customers?`);
  const printed = (bytes: number) => printedIn(bytes, 'bytes', 'MB');
  const confusions = [
    { printed: printed(cost.flat), is: `${holder.name}'s flat in heap-after.pb.gz` },
    { printed: printed(holder.cum), is: `${holder.name}'s cum in heap-16k.pb.gz, before the fix` },
    { printed: printed(cost.cum - holder.cum), is: `the change in ${holder.name}'s cum from heap-16k.pb.gz (the diff)` },
  ];
  expectReading('held_after_mb', answer, printed(cost.cum), { wanted: `${holder.name}'s cum in heap-after.pb.gz`, find: 'Read the fourth number column of -top on heap-after.pb.gz, in MB' }, confusions);
});

/** What main.ts check prints: the work done once, unprofiled, and what the cache kept and did. */
interface CacheReport {
  customersSeen: number;
  cached: number;
  returningVisits: number;
  foundInCache: number;
  heldBytes: number;
}

it('bounds the cache, and still finds the customers who come back', () => {
  // The service as it is now, run by the check: profiles can predate the code, this cannot.
  const { stdout } = runProgram(folder, ['check']);
  const last = stdout.trim().split('\n').pop() ?? '';
  let report: CacheReport;
  try {
    report = JSON.parse(last) as CacheReport;
  } catch {
    notDone(`main.ts check should end by printing what the cache did, as JSON, but it printed: ${last.slice(0, 120)}`);
  }
  if (!(report.returningVisits > 0) || !(report.customersSeen > 0)) notDone(`main.ts check saw no customers come back: run ${exerciseCommand(folder, ['check'])} to see why`);
  const found = report.foundInCache / report.returningVisits;
  if (found < 0.9) {
    notDone(
      `only ${(100 * found).toFixed(1)}% of the ${report.returningVisits.toLocaleString('en')} returning visits found their customer in the cache when the check ran main.ts (the README wants 90% at least): ` +
        'every other one is a query to the database. Keep the customers who may still come back, those seen in the last 4 rounds, and let the rest go',
    );
  }
  if (report.cached * 2 > report.customersSeen) {
    notDone(`the cache still holds ${report.cached.toLocaleString('en')} of the ${report.customersSeen.toLocaleString('en')} customers the service saw: bound it, so that it stops growing with every new customer`);
  }
  const holder = holderBefore();
  if (report.heldBytes * 2 > holder.cum) {
    notDone(`after its work and a full GC the service holds ${mb(report.heldBytes)} when the check ran main.ts, against ${mb(holder.cum)} held by ${holder.name} in heap-16k.pb.gz: a bounded cache should hold far less. What else keeps the customers?`);
  }
});

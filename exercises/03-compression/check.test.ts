import { it } from 'vitest';
import { sampleTypeIndex, type Profile } from '#pprof';
import {
  belowTopCutoff,
  exerciseCommand,
  exerciseFolder,
  expectReading,
  functionCosts,
  learnerProfile,
  notDone,
  printedIn,
  printedPercent,
  printedShowingPercent,
  profileTotal,
  readAnswers,
  readsAs,
  rowConfusions,
  sampleStacks,
} from '#workshop';
import { toFixed } from '../../src/report/measurement.ts';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    sync_flat_leader: { kind: 'string', describe: 'the function with the most flat time in cpu-sync.pb.gz' },
    sync_compress_percent: { kind: 'number', describe: "compressAllSync's share of cpu-sync.pb.gz, in %" },
    async_leader_ms: { kind: 'number', describe: 'the CPU time, in ms, cpu-async.pb.gz shows in that same function (0 if it is not there)' },
    gzips_in_flight: { kind: 'number', describe: 'the (wait) time of wall-async.pb.gz divided by its Duration' },
    running_percent: { kind: 'number', describe: 'the share of wall-async.pb.gz spent running (state=running), in %' },
  });
const sync = () => learnerProfile(folder, 'cpu-sync.pb.gz', exerciseCommand(folder, ['sync']));
const cpuAsync = () => learnerProfile(folder, 'cpu-async.pb.gz', exerciseCommand(folder, ['async']));
const wallAsync = () => learnerProfile(folder, 'wall-async.pb.gz', exerciseCommand(folder, ['async']));

/** The function with the most flat time, as -top's first row names it. */
function flatLeader(profile: Profile): string {
  const [name] = [...functionCosts(profile, 'cpu')].sort(([, a], [, b]) => b.flat - a.flat)[0] ?? [''];
  return name;
}

/** The wall time of a profile's samples labelled state=running. */
function runningTotal(profile: Profile): number {
  const wall = sampleTypeIndex(profile, 'wall');
  return sampleStacks(profile)
    .filter(({ labels }) => labels.state === 'running')
    .reduce((sum, { values }) => sum + Math.abs(values[wall] ?? 0), 0);
}

/** The flat time of the profile's (wait) frames. */
const waitTotal = (profile: Profile) => [...functionCosts(profile, 'wall')].filter(([name]) => name.startsWith('(wait) ')).reduce((sum, [, cost]) => sum + cost.flat, 0);

it('finds where the synchronous run spends its time', () => {
  const { sync_flat_leader: answer } = answers();
  const leader = flatLeader(sync());
  if (answer.trim() !== leader) notDone(`sync_flat_leader is "${answer}": that is not the first row of -top on your cpu-sync.pb.gz (the function with the most flat time, as it is spelled there)`);
});

it("reads compressAllSync's band in the sync flame graph", () => {
  const { sync_compress_percent: answer } = answers();
  const profile = sync();
  const costs = functionCosts(profile, 'cpu');
  const total = profileTotal(profile, 'cpu');
  const actual = costs.get('compressAllSync');
  if (!actual) notDone('your cpu-sync.pb.gz has no compressAllSync: make it again with npm run exercise 03-compression sync');
  expectReading('sync_compress_percent', answer, printedPercent(actual.cum, total), { wanted: "compressAllSync's share of cpu-sync.pb.gz", find: 'Hover over its band in the flame graph, or read its cum% in -top' }, rowConfusions(costs, total, 'compressAllSync', 'cpu-sync.pb.gz'));
});

it('sees the compression vanish from the async CPU profile', () => {
  const { async_leader_ms: answer } = answers();
  const leader = flatLeader(sync());
  const profile = cpuAsync();
  const actual = functionCosts(profile, 'cpu').get(leader)?.cum ?? 0;
  // As -top prints it, in ms or in s (to 10 ms); no row is right when -top leaves it out for being small.
  const right = readsAs(answer, printedIn(actual, 'nanoseconds', 'ms')) || Math.abs(answer - actual / 1e6) <= 5 || (answer === 0 && belowTopCutoff(actual, profileTotal(profile, 'cpu')));
  if (right) return;
  const inSync = (functionCosts(sync(), 'cpu').get(leader)?.cum ?? 0) / 1e6;
  if (Math.abs(answer - inSync) <= Math.max(5, inSync / 100)) notDone(`async_leader_ms is ${answer}: that is ${leader}'s time in cpu-sync.pb.gz, not in cpu-async.pb.gz. Look for it in -top of the async run (no row means 0)`);
  notDone(`async_leader_ms is ${answer}, but your cpu-async.pb.gz says otherwise: look for ${leader} in its -top (no row means 0), its cum in ms`);
});

it('counts the gzips in flight in the wall profile', () => {
  const { gzips_in_flight: answer } = answers();
  const profile = wallAsync();
  const waiting = waitTotal(profile);
  if (waiting === 0) notDone('your wall-async.pb.gz has no (wait) frames: is the trackWait call in main.ts still there? Run npm run exercise 03-compression async again');
  // To a tenth at least; off by the rounding of the printed times passes too.
  const exact = waiting / Number(profile.durationNanos);
  if (Math.abs(answer - exact) <= Math.max(0.05, 0.01 * exact)) return;
  const everything = profileTotal(profile, 'wall') / Number(profile.durationNanos);
  if (Math.abs(answer - everything) <= Math.max(0.05, 0.01 * everything)) notDone(`gzips_in_flight is ${answer}: that is the whole profile's time over its Duration (the header's Total samples), not the (wait) row's. Divide the (wait) gzip 1 MiB row's flat time by the Duration`);
  notDone(`gzips_in_flight is ${answer}: divide the (wait) row's flat time in -top of your wall-async.pb.gz by the profile's Duration, to a tenth at least`);
});

it('weighs the running part of the async wall profile', () => {
  const { running_percent: answer } = answers();
  const profile = wallAsync();
  const running = runningTotal(profile);
  const total = profileTotal(profile, 'wall');
  // The exact share, or the header's, which leaves out the rows under -top's cut-off.
  if (readsAs(answer, printedPercent(running, total)) || readsAs(answer, printedShowingPercent(profile, 'wall', { tagfocus: 'state=running' }))) return;
  const window = (100 * running) / Number(profile.durationNanos);
  const confusions = [
    { printed: printedPercent(total - running, total), is: 'the share spent waiting (state=waiting)' },
    { printed: toFixed(window, 2), is: "the running time's share of the Duration (the window)" },
  ];
  expectReading('running_percent', answer, printedPercent(running, total), { wanted: 'the share of wall-async.pb.gz spent running', find: 'Read the "Showing nodes accounting for" line of -top -tagfocus=state=running: its percentage' }, confusions);
});

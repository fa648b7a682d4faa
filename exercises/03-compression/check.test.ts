import { it } from 'vitest';
import type { Profile } from 'pprof-format';
import { exerciseCommand, exerciseFolder, functionCosts, learnerProfile, notDone, readAnswers } from '#workshop';

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

/** The share of a wall profile's time labelled state=running, in %, of all its time. */
function runningShare(profile: Profile): number {
  const strings = profile.stringTable.strings;
  const wall = profile.sampleType.findIndex((type) => strings[Number(type.type)] === 'wall');
  const isRunning = (labels: Profile['sample'][number]['label']) => labels.some((label) => strings[Number(label.key)] === 'state' && strings[Number(label.str)] === 'running');
  let running = 0;
  let total = 0;
  for (const sample of profile.sample) {
    const value = Math.abs(Number(sample.value[wall]));
    total += value;
    if (isRunning(sample.label)) running += value;
  }
  return total === 0 ? 0 : (100 * running) / total;
}

/** The time of the profile's (wait) frames against its Duration: how many waits were in flight on average. */
function waitsPerSecond(profile: Profile): number {
  const total = [...functionCosts(profile, 'wall')].filter(([name]) => name.startsWith('(wait) ')).reduce((sum, [, cost]) => sum + cost.flat, 0);
  return total / Number(profile.durationNanos);
}

it('finds where the synchronous run spends its time', () => {
  const { sync_flat_leader: answer } = answers();
  const leader = flatLeader(sync());
  if (answer.trim() !== leader) notDone(`sync_flat_leader is "${answer}": that is not the first row of -top on your cpu-sync.pb.gz (the function with the most flat time, as it is spelled there)`);
});

it("reads compressAllSync's band in the sync flame graph", () => {
  const { sync_compress_percent: answer } = answers();
  const actual = functionCosts(sync(), 'cpu').get('compressAllSync');
  if (!actual) notDone('your cpu-sync.pb.gz has no compressAllSync: make it again with npm run exercise 03-compression sync');
  if (Math.abs(answer - actual.cumPercent) > 5) notDone(`sync_compress_percent is ${answer}: that is not compressAllSync's share of your cpu-sync.pb.gz (hover over its band in the flame graph, or its cum% in -top)`);
});

it('sees the compression vanish from the async CPU profile', () => {
  const { async_leader_ms: answer } = answers();
  const leader = flatLeader(sync());
  const actualMs = (functionCosts(cpuAsync(), 'cpu').get(leader)?.cum ?? 0) / 1e6;
  if (Math.abs(answer - actualMs) > Math.max(1, actualMs / 10)) notDone(`async_leader_ms is ${answer}, but your cpu-async.pb.gz says otherwise: look for the sync run's busiest function in its -top (no row means 0)`);
});

it('counts the gzips in flight in the wall profile', () => {
  const { gzips_in_flight: answer } = answers();
  const actual = waitsPerSecond(wallAsync());
  if (actual === 0) notDone('your wall-async.pb.gz has no (wait) frames: is the trackWait call in main.ts still there? Run npm run exercise 03-compression async again');
  if (Math.abs(answer - actual) > 0.5) notDone(`gzips_in_flight is ${answer}: divide the (wait) row's time in -top of your wall-async.pb.gz by the profile's Duration`);
});

it('weighs the running part of the async wall profile', () => {
  const { running_percent: answer } = answers();
  const actual = runningShare(wallAsync());
  if (Math.abs(answer - actual) > 5) notDone(`running_percent is ${answer}: that is not the share of state=running in your wall-async.pb.gz (the "Showing nodes accounting for" line of -top -tagfocus=state=running)`);
});

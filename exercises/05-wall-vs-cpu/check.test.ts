import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, it } from 'vitest';
import { sampleTypeIndex, type Profile } from '#pprof';
import { exerciseCommand, exerciseFolder, expectReading, functionCosts, learnerProfile, notDone, printedPercent, printedShowingPercent, profileTotal, readAnswers, readsAs, rowConfusions, runProgram } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const LOOP_FUNCTIONS = ['slowNetworkRequest', 'cpuIntensiveTask', 'weirdFunction'];
const answers = () =>
  readAnswers(folder, {
    cpu_hottest_function: { kind: 'string', describe: 'which of the three functions of the loop cpu.pb.gz says takes the most time' },
    wall_slowNetworkRequest_percent: { kind: 'number', describe: "slowNetworkRequest's cum% in wall.pb.gz" },
    wall_cpuIntensiveTask_percent: { kind: 'number', describe: "cpuIntensiveTask's cum% in wall.pb.gz" },
    wall_weirdFunction_percent: { kind: 'number', describe: "weirdFunction's cum% in wall.pb.gz" },
    weirdFunction_waits_on: { kind: 'string', describe: 'what weirdFunction waits on: the first word after (wait) in the frame under it' },
    waiting_percent: { kind: 'number', describe: 'the share of wall.pb.gz spent waiting (state=waiting), in %' },
    after_total_percent: { kind: 'number', describe: 'in the header of -top on wall-after.pb.gz, made after your change, the total as a share of the Duration: the P of Total samples = T (P%)' },
  });
const cpu = () => learnerProfile(folder, 'cpu.pb.gz', exerciseCommand(folder, ['cpu']));
const wall = () => learnerProfile(folder, 'wall.pb.gz', exerciseCommand(folder, ['wall']));
const afterWall = () => learnerProfile(folder, 'wall-after.pb.gz', `${exerciseCommand(folder, ['after'])}, after your change to the loop`);

/** Each sample's function names leaf first, its labels, and its value of the sample type named. */
function samplesOf(profile: Profile, sampleType: string): { names: string[]; labels: Map<string, string>; value: number }[] {
  const index = sampleTypeIndex(profile, sampleType);
  return profile.samples.map((sample) => ({
    names: sample.locations.flatMap((location) => location.lines.map((line) => line.function.name)),
    labels: new Map(sample.labels.map((label) => [label.key, label.str])),
    value: sample.values[index] ?? 0,
  }));
}

it('reads which function the CPU profile blames', () => {
  const { cpu_hottest_function: hottest } = answers();
  const costs = functionCosts(cpu(), 'cpu');
  const [actual] = LOOP_FUNCTIONS.filter((name) => costs.has(name)).sort((a, b) => costs.get(b)!.cum - costs.get(a)!.cum);
  if (!actual) notDone(`your cpu.pb.gz has none of ${LOOP_FUNCTIONS.join(', ')}: make it again with ${exerciseCommand(folder, ['cpu'])}`);
  if (hottest.trim() !== actual) notDone(`cpu_hottest_function is "${hottest}": compare the cum of the loop's three functions in -top of cpu.pb.gz`);
});

it("reads each function's share of the wall profile", () => {
  const given = answers();
  const profile = wall();
  const costs = functionCosts(profile, 'wall');
  const total = profileTotal(profile, 'wall');
  const cpuProfile = cpu();
  const cpuCosts = functionCosts(cpuProfile, 'cpu');
  const cpuTotal = profileTotal(cpuProfile, 'cpu');
  for (const name of LOOP_FUNCTIONS) {
    const field = `wall_${name}_percent` as 'wall_slowNetworkRequest_percent';
    const actual = costs.get(name);
    if (!actual) notDone(`your wall.pb.gz has no ${name}: make it again with ${exerciseCommand(folder, ['wall'])}`);
    const inCpu = cpuCosts.get(name);
    const confusions = [
      ...(inCpu ? [{ printed: printedPercent(inCpu.cum, cpuTotal), is: `${name}'s cum% in cpu.pb.gz` }] : []),
      ...rowConfusions(costs, total, name, 'wall.pb.gz'),
    ];
    expectReading(field, given[field], printedPercent(actual.cum, total), { wanted: `${name}'s cum% in wall.pb.gz`, find: `Read it in -top -cum of wall.pb.gz, on the row of ${name}` }, confusions);
  }
});

it('finds what weirdFunction waits on', () => {
  const { weirdFunction_waits_on: answer } = answers();
  // The waits started in weirdFunction itself: a (wait) leaf right under it.
  const waits = new Set(
    samplesOf(wall(), 'wall')
      .filter(({ names }) => names[0]?.startsWith('(wait) ') && names[1] === 'weirdFunction')
      .map(({ names }) => names[0]!.slice('(wait) '.length).split(' ')[0]!.toLowerCase()),
  );
  if (waits.size === 0) notDone(`your wall.pb.gz shows no wait under weirdFunction: make it again with ${exerciseCommand(folder, ['wall'])}`);
  if (!waits.has(answer.trim().split(/\s+/)[0]!.toLowerCase())) notDone(`weirdFunction_waits_on is "${answer}": that is not what weirdFunction waits on in your wall.pb.gz (try -peek or -list on weirdFunction)`);
});

it('measures how much of the time is spent waiting', () => {
  const { waiting_percent: answer } = answers();
  const profile = wall();
  const samples = samplesOf(profile, 'wall');
  const total = samples.reduce((sum, sample) => sum + sample.value, 0);
  const waiting = samples.filter((sample) => sample.labels.get('state') === 'waiting').reduce((sum, sample) => sum + sample.value, 0);
  // The exact share, or the header's, which leaves out the rows under -top's cut-off.
  if (readsAs(answer, printedShowingPercent(profile, 'wall', { tagfocus: 'state=waiting' }))) return;
  const confusions = [{ printed: printedPercent(total - waiting, total), is: 'the share spent running (state=running)' }];
  expectReading('waiting_percent', answer, printedPercent(waiting, total), { wanted: 'the waiting share of your wall.pb.gz', find: 'Run -top -tagfocus=state=waiting: its "Showing nodes accounting for" line says how much it keeps' }, confusions);
});

/**
 * What a wall profile of the loop says about its rounds: the time charged to each step, and how
 * much of the hashing ran while the request was away. Waits and running time that overlap are
 * both charged, so the total exceeds the window by the time they overlapped: set against the
 * hashing's own time, a share of the profile, which load does not move the way it moves a time.
 */
function overlapOf(profile: Profile): { request: number; hashing: number; weird: number; overlapShare: number; totalPercent: string } {
  const costs = functionCosts(profile, 'wall');
  const total = profileTotal(profile, 'wall');
  const duration = Number(profile.durationNanos);
  const hashing = costs.get('cpuIntensiveTask')?.cum ?? 0;
  return {
    request: costs.get('slowNetworkRequest')?.cum ?? 0,
    hashing,
    weird: costs.get('weirdFunction')?.cum ?? 0,
    overlapShare: hashing === 0 ? 0 : (total - duration) / hashing,
    totalPercent: printedPercent(total, duration),
  };
}

/** NotDone unless the loop in this profile does the same work as it came, with the hashing done while the request is away. */
function expectOverlap(profile: Profile, which: string, remake: string): void {
  const { request, hashing, weird, overlapShare } = overlapOf(profile);
  if (request === 0) notDone(`${which} has no slowNetworkRequest: the loop must still ask the slow service every round, ${remake}`);
  if (hashing < 0.25 * request) {
    notDone(
      `in ${which} cpuIntensiveTask runs ${(100 * hashing / request).toFixed(0)}% as long as slowNetworkRequest waits, where the loop as it came hashes half as long as it waits: ` +
        `keep the hashing's 30 ms a round, and do it while the request is away, ${remake}`,
    );
  }
  if (weird < 0.05 * request) notDone(`in ${which} weirdFunction's wait is gone: keep the three steps as they are, and change only when they run, ${remake}`);
  if (overlapShare < 0.5) {
    notDone(
      `in ${which} only ${Math.max(0, 100 * overlapShare).toFixed(0)}% of the hashing ran while the request was away (the waits and the running add up to the window, or barely more): ` +
        `start the request before the hashing, and let it leave before the hashing takes the thread: fetch sends it on a later turn of the event loop; ${remake}`,
    );
  }
}

it('proves with a second wall profile that the hashing now runs while the request is away', () => {
  expectOverlap(afterWall(), 'your wall-after.pb.gz', `then make it again with ${exerciseCommand(folder, ['after'])}`);
});

it("reads the after profile's total against its duration", () => {
  const { after_total_percent: answer } = answers();
  const after = afterWall();
  const before = wall();
  const confusions = [
    { printed: overlapOf(before).totalPercent, is: 'the total of wall.pb.gz, before your change' },
    { printed: printedShowingPercent(after, 'wall', { tagfocus: 'state=waiting' }), is: 'the waiting share of wall-after.pb.gz' },
  ];
  expectReading('after_total_percent', answer, overlapOf(after).totalPercent, { wanted: 'the total of wall-after.pb.gz as a share of its Duration', find: 'Read the Duration line of -top on wall-after.pb.gz: Total samples = T (P%)' }, confusions);
});

const scratch = mkdtempSync(join(tmpdir(), 'workshop-05-wall-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('overlaps the hashing with the request in main.ts as it is now', () => {
  // The loop as it is now, profiled by the check: wall-after.pb.gz can predate the code, this cannot.
  const file = join(scratch, 'wall.pb.gz');
  runProgram(folder, ['check', file]);
  expectOverlap(learnerProfile(scratch, 'wall.pb.gz', exerciseCommand(folder, ['after'])), 'the wall profile the check took of your main.ts', 'then check again');
});

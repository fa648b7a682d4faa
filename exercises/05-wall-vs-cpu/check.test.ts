import { it } from 'vitest';
import type { Profile } from 'pprof-format';
import { exerciseCommand, exerciseFolder, expectReading, functionCosts, learnerProfile, notDone, printedPercent, printedShowingPercent, profileTotal, readAnswers, readsAs, rowConfusions } from '#workshop';
import { locationFrameNames } from '../../src/report/flamegraph.ts';

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
  });
const cpu = () => learnerProfile(folder, 'cpu.pb.gz', exerciseCommand(folder, ['cpu']));
const wall = () => learnerProfile(folder, 'wall.pb.gz', exerciseCommand(folder, ['wall']));

/** Each sample's function names leaf first, its labels, and its value of the sample type named. */
function samplesOf(profile: Profile, sampleType: string): { names: string[]; labels: Map<string, string>; value: number }[] {
  const strings = profile.stringTable.strings;
  const index = profile.sampleType.findIndex((type) => strings[Number(type.type)] === sampleType);
  const frames = locationFrameNames(profile);
  return profile.sample.map((sample) => ({
    names: sample.locationId.flatMap((id) => [...(frames.get(Number(id)) ?? [])].reverse()),
    labels: new Map(sample.label.map((label) => [strings[Number(label.key)]!, strings[Number(label.str)]!])),
    value: Number(sample.value[index]),
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

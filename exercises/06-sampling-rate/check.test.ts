import { it } from 'vitest';
import type { Profile } from '#pprof';
import { exerciseCommand, exerciseFolder, expectReading, functionCosts, learnerProfile, notDone, printedPercent, profileTotal, readAnswers } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    compactIndex_samples_10hz: { kind: 'integer', describe: 'how many samples of cpu-10hz.pb.gz have compactIndex on their stack (0 if it has no row)' },
    compactIndex_samples_1000hz: { kind: 'integer', describe: 'how many samples of cpu-1000hz.pb.gz have compactIndex on their stack' },
    wait_samples_percent_100hz: { kind: 'number', describe: "the (wait) row's flat% in wall-100hz.pb.gz, counted in samples" },
    wait_samples_percent_99hz: { kind: 'number', describe: "the (wait) row's flat% in wall-99hz.pb.gz, counted in samples" },
    wait_wall_percent_100hz: { kind: 'number', describe: "the (wait) row's flat% in wall-100hz.pb.gz, in wall time" },
  });
const cpu = (hz: number) => learnerProfile(folder, `cpu-${hz}hz.pb.gz`, exerciseCommand(folder, [String(hz)]));
const wall = (hz: number) => learnerProfile(folder, `wall-${hz}hz.pb.gz`, exerciseCommand(folder, ['frames']));

/** How many samples of the profile have `name` on their stack: its cum in -sample_index=samples. */
const samplesOf = (profile: Profile, name: string) => functionCosts(profile, 'samples').get(name)?.cum ?? 0;

it('counts what 10 Hz and 1000 Hz saw of compactIndex', () => {
  const given = answers();
  const counts = new Map([10, 100, 1000].map((hz) => [hz, samplesOf(cpu(hz), 'compactIndex')]));
  if (counts.get(1000) === 0) notDone(`your cpu-1000hz.pb.gz has no sample in compactIndex: make it again with ${exerciseCommand(folder, ['1000'])}`);
  for (const hz of [10, 1000] as const) {
    const field = `compactIndex_samples_${hz}hz` as const;
    const answer = given[field];
    const actual = counts.get(hz)!;
    if (answer === actual) continue;
    // The count of another rate's profile, where it differs from this one's.
    const other = [...counts].find(([otherHz, count]) => otherHz !== hz && count === answer)?.[0];
    if (other) notDone(`${field} is ${answer}: that is what cpu-${other}hz.pb.gz counts, not cpu-${hz}hz.pb.gz`);
    notDone(`${field} is ${answer}, but your cpu-${hz}hz.pb.gz says otherwise: -peek=compactIndex -sample_index=samples shows its cum (-top leaves out rows under 0.5%), and says no function matches when no sample has it: 0`);
  }
});

/** The (wait) rows' share of a profile's total in one sample type, as -top prints it: upload's timer. */
function waitPercent(profile: Profile, sampleType: string): string {
  const total = profileTotal(profile, sampleType);
  if (total === 0) notDone(`your wall profiles are empty: make them again with ${exerciseCommand(folder, ['frames'])}`);
  const wait = [...functionCosts(profile, sampleType)].filter(([name]) => name.startsWith('(wait) ')).reduce((sum, [, cost]) => sum + cost.flat, 0);
  return printedPercent(wait, total);
}

it('sees the wait vanish at 100 Hz, in samples but not in time', () => {
  const given = answers();
  const readings = {
    wait_samples_percent_100hz: { profile: 'wall-100hz.pb.gz', type: 'samples', printed: waitPercent(wall(100), 'samples') },
    wait_samples_percent_99hz: { profile: 'wall-99hz.pb.gz', type: 'samples', printed: waitPercent(wall(99), 'samples') },
    wait_wall_percent_100hz: { profile: 'wall-100hz.pb.gz', type: 'wall', printed: waitPercent(wall(100), 'wall') },
  } as const;
  const wall99 = waitPercent(wall(99), 'wall');
  const described = (profile: string, type: string) => `the (wait) row's flat% in ${profile}, ${type === 'samples' ? 'counted in samples (-sample_index=samples)' : 'in wall time (the default)'}`;
  for (const [field, reading] of Object.entries(readings)) {
    const confusions = [
      ...Object.entries(readings).filter(([other]) => other !== field).map(([, other]) => ({ printed: other.printed, is: described(other.profile, other.type) })),
      { printed: wall99, is: described('wall-99hz.pb.gz', 'wall') },
    ];
    expectReading(field, given[field as keyof typeof readings], reading.printed, { wanted: described(reading.profile, reading.type), find: `Read the flat% of the (wait) row in -top${reading.type === 'samples' ? ' -sample_index=samples' : ''} of ${reading.profile}` }, confusions);
  }
});

import { it } from 'vitest';
import type { Profile } from 'pprof-format';
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
  const { compactIndex_samples_10hz: at10, compactIndex_samples_1000hz: at1000 } = answers();
  const actual10 = samplesOf(cpu(10), 'compactIndex');
  const actual100 = samplesOf(cpu(100), 'compactIndex');
  const actual1000 = samplesOf(cpu(1000), 'compactIndex');
  const otherRate = (answer: number, asked: number) => [[100, actual100], [asked === 10 ? 1000 : 10, asked === 10 ? actual1000 : actual10]].find(([, count]) => count === answer && count !== (asked === 10 ? actual10 : actual1000))?.[0];
  if (at10 !== actual10) {
    const other = otherRate(at10, 10);
    if (other) notDone(`compactIndex_samples_10hz is ${at10}: that is what cpu-${other}hz.pb.gz counts, not cpu-10hz.pb.gz`);
    notDone(`compactIndex_samples_10hz is ${at10}, but your cpu-10hz.pb.gz says otherwise: -peek=compactIndex -sample_index=samples finds it if any sample has it (no function matches means 0)`);
  }
  if (actual1000 === 0) notDone(`your cpu-1000hz.pb.gz has no sample in compactIndex: make it again with ${exerciseCommand(folder, ['1000'])}`);
  if (at1000 !== actual1000) {
    const other = otherRate(at1000, 1000);
    if (other) notDone(`compactIndex_samples_1000hz is ${at1000}: that is what cpu-${other}hz.pb.gz counts, not cpu-1000hz.pb.gz`);
    notDone(`compactIndex_samples_1000hz is ${at1000}, but your cpu-1000hz.pb.gz says otherwise: its cum with -sample_index=samples; -top may leave it out for being under 0.5%, -peek=compactIndex does not`);
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

import { it } from 'vitest';
import type { Profile } from 'pprof-format';
import { exerciseCommand, exerciseFolder, functionCosts, learnerProfile, notDone, readAnswers } from '#workshop';

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
  // A sample more or less: a 10 Hz sampler catches each 2 ms call once in 50 runs.
  if (Math.abs(at10 - actual10) > 1) notDone(`compactIndex_samples_10hz is ${at10}, but your cpu-10hz.pb.gz says otherwise: look for compactIndex in -top -sample_index=samples (no row means no sample)`);
  const actual1000 = samplesOf(cpu(1000), 'compactIndex');
  if (actual1000 === 0) notDone(`your cpu-1000hz.pb.gz has no sample in compactIndex: make it again with ${exerciseCommand(folder, ['1000'])}`);
  // Two samples, or 40%: each 2 ms call gets one or two samples about 1.1 ms apart, and V8 adds
  // one at times of its own: our runs saw 3 to 7. Not finding it (0) is far off.
  if (Math.abs(at1000 - actual1000) > Math.max(2, 0.4 * actual1000)) notDone(`compactIndex_samples_1000hz is ${at1000}, but your cpu-1000hz.pb.gz says otherwise: its cum in -top -sample_index=samples (or -peek=compactIndex)`);
});

/** The share of a profile's total, in one sample type, of the frames named `(wait) ...`: upload's timer. */
function waitPercent(profile: Profile, sampleType: string): number {
  let wait = 0;
  let total = 0;
  for (const [name, cost] of functionCosts(profile, sampleType)) {
    if (name.startsWith('(wait) ')) wait += cost.flatPercent;
    total += cost.flatPercent;
  }
  if (total === 0) notDone(`your wall profiles are empty: make them again with ${exerciseCommand(folder, ['frames'])}`);
  return wait;
}

it('sees the wait vanish at 100 Hz, in samples but not in time', () => {
  const given = answers();
  const checks = [
    ['wait_samples_percent_100hz', wall(100), 'samples', 'wall-100hz.pb.gz, counted in samples (-sample_index=samples)'],
    ['wait_samples_percent_99hz', wall(99), 'samples', 'wall-99hz.pb.gz, counted in samples (-sample_index=samples)'],
    ['wait_wall_percent_100hz', wall(100), 'wall', 'wall-100hz.pb.gz, in wall time (the default)'],
  ] as const;
  for (const [field, profile, sampleType, where] of checks) {
    const actual = waitPercent(profile, sampleType);
    // 8 points: the wait's true share moves with how late a busy machine fires timers; reading
    // the other profile or the other sample type is 25 points off or more.
    if (Math.abs(given[field] - actual) > 8) notDone(`${field} is ${given[field]}: that is not the (wait) row's flat% in ${where}`);
  }
});

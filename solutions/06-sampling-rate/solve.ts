/**
 * Exercise 06, solved from the learner's own profiles: the samples with compactIndex on their
 * stack at 10 and 1000 Hz (from -peek, which -top's cut-off does not hide), and the (wait) row's
 * flat% in the frames' wall profiles, in samples and in time.
 */
import { exerciseFolderArgument, pprof, topRows, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();

/** compactIndex's cum in samples: the count on its own line of -peek, or 0 when no function matches. */
function compactIndexSamples(file: string): number {
  let report: string;
  try {
    report = pprof(folder, '-peek=^compactIndex$', '-sample_index=samples', file);
  } catch (error) {
    if (/no function matches|matches no function/i.test((error as Error).message)) return 0;
    throw error;
  }
  const line = report.split('\n').find((text) => /\|\s+compactIndex\s*$/.test(text) && !/^\s{20,}/.test(text));
  if (!line) return 0;
  // flat flat% sum% cum cum%: the fourth column.
  return Number(line.trim().split(/\s+/)[3]);
}

/** The flat% of the (wait) row in -top of the file, in one sample type. */
function waitPercent(file: string, sampleIndex?: string): number {
  const rows = topRows(pprof(folder, '-top', ...(sampleIndex ? [`-sample_index=${sampleIndex}`] : []), file));
  return rows.find((row) => row.name.startsWith('(wait) '))?.flatPercent ?? 0;
}

writeAnswers(folder, {
  compactIndex_samples_10hz: compactIndexSamples('cpu-10hz.pb.gz'),
  compactIndex_samples_1000hz: compactIndexSamples('cpu-1000hz.pb.gz'),
  wait_samples_percent_100hz: waitPercent('wall-100hz.pb.gz', 'samples'),
  wait_samples_percent_99hz: waitPercent('wall-99hz.pb.gz', 'samples'),
  wait_wall_percent_100hz: waitPercent('wall-100hz.pb.gz'),
});

/**
 * Exercise 04, solved: a run with the tracer of solutions/ in place, then what it printed, as
 * the learner reads it: normalize's calls in the tracer's table, and the two slowdowns.
 */
import { exerciseFolderArgument, runExercise, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();
const printed = runExercise(folder);
const calls = /^normalize\s+(\d+)\s/m.exec(printed)?.[1];
const slowdowns = /Traced: ([\d.]+)x as long\. Sampled at 100 Hz: ([\d.]+)x as long/.exec(printed);
if (!calls || !slowdowns) throw new Error(`main.ts printed no table or no slowdowns:\n${printed}`);

writeAnswers(folder, {
  normalize_calls: Number(calls),
  traced_slowdown: Number(slowdowns[1]),
  sampled_slowdown: Number(slowdowns[2]),
});

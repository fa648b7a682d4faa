/**
 * Exercise 10, solved: step 3 with the fixed billing.ts (after.pb.gz), then from the learner's
 * own profiles, the first row of the diff against before.pb.gz and its flat%, and the first row
 * of after.pb.gz.
 */
import { exerciseFolderArgument, pprof, runExercise, topRows, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();
runExercise(folder, 'after');
const [shrank] = topRows(pprof(folder, '-top', '-diff_base=before.pb.gz', 'after.pb.gz'));
const [next] = topRows(pprof(folder, '-top', 'after.pb.gz'));
if (!shrank || !next) throw new Error('the diff or after.pb.gz has no rows');

writeAnswers(folder, {
  shrank_most_function: shrank.name,
  shrank_flat_percent: shrank.flatPercent,
  after_top_function: next.name,
});

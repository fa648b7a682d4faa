/**
 * memory-leak's answers, from the learner's own heap.pb.gz (of the service as it came): the
 * first function of main.ts up the callers of -top's first row, and the line -list gives it.
 */
import { exerciseFolderArgument, ownHotSpot, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();
const { name, line } = ownHotSpot(folder, 'heap.pb.gz');
writeAnswers(folder, { allocating_function: name, allocating_line: line });

/**
 * slow-endpoint's answers, from the learner's own cpu.pb.gz (of the service as it came): the
 * first function of main.ts up the callers of -top's first row, and the line -list gives it.
 */
import { exerciseFolderArgument, ownHotSpot, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();
const { name, line } = ownHotSpot(folder, 'cpu.pb.gz');
writeAnswers(folder, { hot_function: name, hot_line: line });

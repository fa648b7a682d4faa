/**
 * Exercise 03, solved from the learner's own profiles: the sync run's first row and
 * compressAllSync's cum%, that function's time in the async CPU profile, and the wall profile's
 * waits over its Duration and its running share.
 */
import { exerciseFolderArgument, headerField, pprof, showingPercent, topRow, topRows, valueIn, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();
const sync = pprof(folder, '-top', 'cpu-sync.pb.gz');
const [leader] = topRows(sync);
const compressAll = topRow(sync, 'compressAllSync');
if (!leader || !compressAll) throw new Error(`cpu-sync.pb.gz has no rows, or none for compressAllSync:\n${sync}`);
const cpuAsync = pprof(folder, '-top', 'cpu-async.pb.gz');
const wall = pprof(folder, '-top', 'wall-async.pb.gz');
const wait = topRows(wall).find((row) => row.name.startsWith('(wait) gzip'));
if (!wait) throw new Error(`wall-async.pb.gz has no (wait) gzip row:\n${wall}`);

writeAnswers(folder, {
  sync_flat_leader: leader.name,
  sync_compress_percent: compressAll.cumPercent,
  // No row means 0.
  async_leader_ms: valueIn(topRow(cpuAsync, leader.name)?.cum ?? '0', 'ms'),
  gzips_in_flight: Math.round((100 * valueIn(wait.flat, 's')) / valueIn(headerField(wall, 'Duration'), 's')) / 100,
  running_percent: runningPercent(),
});

/** The running share; a profile in which the main thread never ran while sampled has none (0). */
function runningPercent(): number {
  try {
    return showingPercent(pprof(folder, '-top', '-tagfocus=state=running', 'wall-async.pb.gz'));
  } catch (error) {
    if ((error as Error).message.includes('matches no sample')) return 0;
    throw error;
  }
}

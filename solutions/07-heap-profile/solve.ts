/**
 * Exercise 07, solved from the learner's own profiles: the first rows of -top on the in-use and
 * the allocation profile, the sampling period -raw prints, and the cum of the holder in the
 * finer profile, in MB as -top prints it. Then step 5 with the bounded cache of main.ts
 * (heap-after.pb.gz), and the holder's cum there.
 */
import { exerciseFolderArgument, pprof, runExercise, topRow, topRows, valueIn, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();
const [holder] = topRows(pprof(folder, '-top', 'heap.pb.gz'));
const [allocator] = topRows(pprof(folder, '-top', 'allocs.pb.gz'));
const period = /^Period: (\d+)/m.exec(pprof(folder, '-raw', 'heap.pb.gz'))?.[1];
if (!holder || !allocator || !period) throw new Error('heap.pb.gz or allocs.pb.gz has no rows, or no period');
const held = topRow(pprof(folder, '-top', 'heap-16k.pb.gz'), holder.name);
if (!held) throw new Error(`heap-16k.pb.gz has no row for ${holder.name}`);
runExercise(folder, 'after');
const heldAfter = topRow(pprof(folder, '-top', 'heap-after.pb.gz'), holder.name);
if (!heldAfter) throw new Error(`heap-after.pb.gz has no row for ${holder.name}`);

const inMB = (printed: string) => Math.round(100 * valueIn(printed, 'MB')) / 100;
writeAnswers(folder, {
  inuse_top_function: holder.name,
  alloc_top_function: allocator.name,
  sampling_interval_kib: Number(period) / 1024,
  held_mb: inMB(held.cum),
  held_after_mb: inMB(heldAfter.cum),
});

/**
 * Exercise 01, solved from the learner's own profiles, as the lesson reads them: the samples
 * that saw the 1,000 rounds, what one sample of the million rounds stands for, and the flat%
 * and cum% of its rows.
 */
import { exerciseFolderArgument, headerField, pprof, topRow, valueIn, writeAnswers } from '../report.ts';

const folder = exerciseFolderArgument();
const small = pprof(folder, '-top', '-sample_index=samples', 'cpu-1000.pb.gz');
const large = pprof(folder, '-top', 'cpu-1000000.pb.gz');
const largeSamples = pprof(folder, '-top', '-sample_index=samples', 'cpu-1000000.pb.gz');
const hashChain = topRow(large, 'hashChain');
const sha256 = topRow(large, 'sha256');
if (!hashChain || !sha256) throw new Error(`cpu-1000000.pb.gz has no row for hashChain or sha256:\n${large}`);

writeAnswers(folder, {
  // No row means no sample.
  hashChain_samples_at_1000: valueIn(topRow(small, 'hashChain')?.cum ?? '0'),
  ms_per_sample: Math.round((100 * valueIn(headerField(large, 'Total samples'), 'ms')) / valueIn(headerField(largeSamples, 'Total samples'))) / 100,
  hashChain_flat_percent: hashChain.flatPercent,
  hashChain_cum_percent: hashChain.cumPercent,
  sha256_cum_percent: sha256.cumPercent,
});

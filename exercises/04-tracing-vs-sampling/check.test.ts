import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { exerciseCommand, exerciseFolder, expectReading, notDone, readAnswers } from '#workshop';
import { toFixed } from '../../src/report/measurement.ts';
import { records, traceMethods } from './tracer.ts';
import { WordCounter, sampleText } from './words.ts';

const folder = exerciseFolder(import.meta.url);
const METHODS = ['countText', 'countLine', 'tokenize', 'normalize', 'isStopWord', 'add'];

it('traces every method: the calls it counts are the calls made, and each has its time', () => {
  const text = sampleText(50);
  const plain = new WordCounter();
  plain.countText(text);
  records.clear();
  const traced = new WordCounter();
  traceMethods(traced);
  traced.countText(text);
  if (records.size === 0) notDone('tracer.ts recorded no calls: write timed() and traceMethods()');
  if (JSON.stringify([...traced.counts]) !== JSON.stringify([...plain.counts])) notDone('the traced counter counts differently from the plain one: a wrapper must pass on its arguments and `this`, and return what the method returns');
  // What each method must have been called, counted from the text and the result, not by the tracer.
  const lines = text.split('\n');
  const tokens = lines.flatMap((line) => line.split(/\s+/)).length;
  const added = [...plain.counts.values()].reduce((sum, count) => sum + count, 0);
  const expected: Record<string, number> = { countText: 1, countLine: lines.length, tokenize: lines.length, normalize: tokens, isStopWord: tokens, add: added };
  for (const method of METHODS) {
    const record = records.get(method);
    if (!record) notDone(`tracer.ts recorded nothing for ${method}: traceMethods must wrap every method of the class, called through this`);
    if (record.calls !== expected[method]) notDone(`tracer.ts counted ${record.calls} calls of ${method} where it was called ${expected[method]} times: count one per call`);
    if (!(record.totalMs > 0)) notDone(`tracer.ts recorded no time for ${method}: add performance.now() after the call minus before it`);
  }
  if (records.get('countText')!.totalMs < records.get('countLine')!.totalMs) notDone("countText's time is less than countLine's, which it calls: time each call from its start to its end, the calls inside included");
});

it('reads the calls and the two slowdowns from the last run', () => {
  const answers = readAnswers(folder, {
    normalize_calls: { kind: 'integer', describe: 'how many times your tracer saw normalize called in one round' },
    traced_slowdown: { kind: 'number', describe: 'how many times as long counting took traced, as main.ts prints it' },
    sampled_slowdown: { kind: 'number', describe: 'how many times as long counting took while sampled at 100 Hz' },
  });
  // What the last run printed, as main.ts wrote it beside its table: timings move from run to
  // run, so the check reads the run the answers came from rather than timing one of its own.
  let trace: { records: Record<string, { calls: number }>; tracedSlowdown: number; sampledSlowdown: number };
  try {
    trace = JSON.parse(readFileSync(join(folder, 'trace.json'), 'utf8'));
  } catch {
    notDone(`trace.json is not there yet: ${exerciseCommand(folder)} writes it, with the table and the slowdowns it prints`);
  }
  if (!trace.records.normalize) notDone(`your last run's tracer recorded nothing: run ${exerciseCommand(folder)} again now that tracer.ts is written`);
  if (answers.normalize_calls !== trace.records.normalize.calls) notDone(`normalize_calls is ${answers.normalize_calls}: that is not what your tracer counted in the last run (main.ts prints its table)`);
  const printed = (slowdown: number) => toFixed(slowdown, 2);
  const traced = printed(trace.tracedSlowdown);
  const sampled = printed(trace.sampledSlowdown);
  expectReading('traced_slowdown', answers.traced_slowdown, traced, { wanted: 'the traced slowdown of your last run', find: 'Read the "Traced:" line main.ts printed last' }, [{ printed: sampled, is: 'the sampled slowdown' }]);
  expectReading('sampled_slowdown', answers.sampled_slowdown, sampled, { wanted: 'the sampled slowdown of your last run', find: 'Read the "Sampled at 100 Hz:" line main.ts printed last' }, [{ printed: traced, is: 'the traced slowdown' }]);
});

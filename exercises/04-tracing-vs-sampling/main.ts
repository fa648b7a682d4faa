/**
 * Exercise 04: what tracing costs, against sampling. Counts the words of the same text three
 * ways, in alternating rounds: as it is, with every method traced by your tracer.ts, and under
 * the CPU profiler at 100 Hz. Prints the tracer's table and each way's slowdown, and writes
 * cpu.pb.gz (a sampled round) and trace.json (what your tracer recorded, and the timings).
 *
 *   npm run exercise 04-tracing-vs-sampling
 */
import { writeFileSync } from 'node:fs';
import { startCPUProfile, stopCPUProfile, writeProfile } from '#profiler';
import { records, traceMethods } from './tracer.ts';
import { WordCounter, sampleText } from './words.ts';

const ROUNDS = 5;
const text = sampleText(40_000);

function countPlain(): WordCounter {
  const counter = new WordCounter();
  counter.countText(text);
  return counter;
}

function countTraced(): WordCounter {
  const counter = new WordCounter();
  traceMethods(counter);
  counter.countText(text);
  return counter;
}

const time = (run: () => WordCounter) => {
  const started = performance.now();
  run();
  return performance.now() - started;
};

let profile: ReturnType<typeof stopCPUProfile> | undefined;
/** The counting's time while the profiler samples it; starting and stopping it are not counted. */
function timeSampled(): number {
  startCPUProfile({ hz: 100 });
  const elapsed = time(countPlain);
  profile = stopCPUProfile();
  return elapsed;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

// A round of each first, untimed, so V8 has compiled all three before the clock starts.
countPlain();
countTraced();
timeSampled();
const timings = { plain: [] as number[], traced: [] as number[], sampled: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  records.clear();
  timings.plain.push(time(countPlain));
  timings.traced.push(time(countTraced));
  timings.sampled.push(timeSampled());
}
const plainMs = median(timings.plain);
const tracedSlowdown = median(timings.traced) / plainMs;
const sampledSlowdown = median(timings.sampled) / plainMs;

console.log(`The top words: ${countPlain().mostFrequent(3).map(([word, count]) => `${word} (${count})`).join(', ')}`);
console.log('');
if (records.size === 0) {
  console.log('Your tracer recorded no calls: write timed() and traceMethods() in tracer.ts.');
} else {
  console.log('What your tracer recorded in one round:');
  console.log(`${'method'.padEnd(14)} ${'calls'.padStart(9)} ${'total ms'.padStart(10)}`);
  for (const [name, record] of [...records].sort(([, a], [, b]) => b.totalMs - a.totalMs)) {
    console.log(`${name.padEnd(14)} ${String(record.calls).padStart(9)} ${record.totalMs.toFixed(1).padStart(10)}`);
  }
}
console.log('');
console.log(`Counting took ${plainMs.toFixed(1)} ms as it is (median of ${ROUNDS} rounds).`);
console.log(`Traced: ${tracedSlowdown.toFixed(2)}x as long. Sampled at 100 Hz: ${sampledSlowdown.toFixed(2)}x as long.`);
writeProfile('cpu.pb.gz', profile!);
writeFileSync('trace.json', `${JSON.stringify({ records: Object.fromEntries(records), plainMs, tracedSlowdown, sampledSlowdown }, null, 2)}\n`);
console.log('wrote cpu.pb.gz and trace.json');

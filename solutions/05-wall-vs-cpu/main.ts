/**
 * Exercise 05: one slow loop, seen by a CPU profile and by a wall-clock profile.
 *
 *   npm run exercise 05-wall-vs-cpu cpu     5 s of the loop under the CPU profiler   -> cpu.pb.gz
 *   npm run exercise 05-wall-vs-cpu wall    5 s of the loop under the wall profiler  -> wall.pb.gz
 *   npm run exercise 05-wall-vs-cpu after   the same, after your change to the loop  -> wall-after.pb.gz
 *   npm run exercise 05-wall-vs-cpu check FILE   1 s under the wall profiler, for the check -> FILE
 *
 * Each round awaits a request to a slow service, hashes, then calls a function whose name says
 * nothing about what it does. The program also times each of the three itself, so that you can
 * hold each profile against a clock.
 */
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { startCPUProfile, startWallProfile, stopCPUProfile, stopWallProfile, writeProfile } from '#profiler';

const SECONDS = 5;

/**
 * A peer that answers every request 60 ms late. It runs in a worker thread: its timers belong to
 * that thread, so the only wait this program sees is its own request. Plain JavaScript, run
 * without the workshop's loaders.
 */
const SLOW_SERVICE = `
  const { createServer } = require('node:http');
  const { parentPort } = require('node:worker_threads');
  const server = createServer((request, response) => setTimeout(() => response.end('done'), 60));
  server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
  parentPort.once('message', () => server.close(() => process.exit(0)));
`;

async function startSlowService(): Promise<{ url: string; stop: () => Promise<void> }> {
  const worker = new Worker(SLOW_SERVICE, { eval: true, execArgv: [] });
  const port = await new Promise<number>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  return {
    url: `http://127.0.0.1:${port}/orders`,
    stop: async () => {
      worker.postMessage('stop');
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

/** Asks the slow service for something and reads the answer. */
async function slowNetworkRequest(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}

/** Hashes a digest over and over for 30 ms: as long on every machine, so every run has the same shares. */
function cpuIntensiveTask(): string {
  let digest = 'seed';
  const until = performance.now() + 30;
  while (performance.now() < until) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}

/** Nobody remembers what this is for. */
async function weirdFunction(): Promise<void> {
  await sleep(10);
}

const kind = process.argv[2];
if (kind !== 'cpu' && kind !== 'wall' && kind !== 'after' && !(kind === 'check' && process.argv[3])) {
  console.error('say which profiler: npm run exercise 05-wall-vs-cpu cpu   (or wall, or after once you have changed the loop)');
  process.exit(2);
}
const profiler = kind === 'cpu' ? 'cpu' : 'wall';
const output = kind === 'check' ? process.argv[3]! : kind === 'after' ? 'wall-after.pb.gz' : `${kind}.pb.gz`;
const seconds = kind === 'check' ? 1 : SECONDS;

const service = await startSlowService();

// One request and one call of weirdFunction before the profile: the first fetch loads and
// compiles Node's HTTP client, which is not what this lesson is about. Not cpuIntensiveTask:
// V8 records which functions it compiled into which (inlining) only for code it compiles while
// a profile runs. Compiled earlier, cpuIntensiveTask could vanish into its caller's frame.
await slowNetworkRequest(service.url);
await weirdFunction();

if (profiler === 'cpu') startCPUProfile();
else startWallProfile();
// Each step is timed inline, not by a wrapper: a wrapper would be one more frame on every stack,
// and one more function for V8 to compile the steps into.
const spentMs = { slowNetworkRequest: 0, cpuIntensiveTask: 0, weirdFunction: 0 };
const start = performance.now();
let stepStart = start;
const stepDone = (step: keyof typeof spentMs) => {
  const now = performance.now();
  spentMs[step] += now - stepStart;
  stepStart = now; // each step ends where the next begins
};
let rounds = 0;
while (stepStart - start < seconds * 1000) {
  rounds++;
  // The request goes out first, and the hashing runs while the service takes its 60 ms: the
  // thread had nothing else to do while it waited. fetch sends the request on a later turn of
  // the event loop, so the loop gets that turn before the hashing takes the thread.
  const reply = slowNetworkRequest(service.url);
  await nextTurn();
  cpuIntensiveTask();
  stepDone('cpuIntensiveTask');
  await reply;
  stepDone('slowNetworkRequest');
  await weirdFunction();
  stepDone('weirdFunction');
}
const windowMs = performance.now() - start;
writeProfile(output, profiler === 'cpu' ? stopCPUProfile() : stopWallProfile());
await service.stop();

console.log(`${seconds} s of the loop under the ${profiler === 'cpu' ? 'CPU' : 'wall-clock'} profiler, ${rounds} rounds of ${(windowMs / rounds).toFixed(0)} ms; by the program's own clock:`);
for (const [step, ms] of Object.entries(spentMs)) {
  console.log(`  ${step.padEnd(20)} ${(ms / 1000).toFixed(2).padStart(5)} s  ${((100 * ms) / windowMs).toFixed(1).padStart(5)}%`);
}
console.log(`wrote ${output}`);

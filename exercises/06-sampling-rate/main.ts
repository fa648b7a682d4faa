/**
 * Exercise 06: the sampling rate, what it sees, what it costs, and when it lies.
 *
 *   npm run exercise 06-sampling-rate 10       a batch job under the CPU profiler at 10 Hz  -> cpu-10hz.pb.gz
 *   npm run exercise 06-sampling-rate 100      the same at 100 Hz                           -> cpu-100hz.pb.gz
 *   npm run exercise 06-sampling-rate 1000     the same at 1000 Hz                          -> cpu-1000hz.pb.gz
 *   npm run exercise 06-sampling-rate frames   10 ms frames under the wall profiler at 100 and 99 Hz
 *                                                                          -> wall-100hz.pb.gz, wall-99hz.pb.gz
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { installAsyncTracker, startCPUProfile, startWallProfile, stopCPUProfile, stopWallProfile, writeProfile } from '#profiler';

// ---- one rate: a batch job under the CPU profiler at `hz` ------------------------------------

const RECORDS = 150_000_000;

/** A brief job the batch runs now and then: 2 ms each time, three times a batch. */
function compactIndex(): void {
  const until = performance.now() + 2;
  while (performance.now() < until);
}

/**
 * The batch job: mixes `records` numbers into a checksum (a fixed amount of work, so that its
 * time shows what the profiler costs), and compacts the index three times on the way, at
 * uneven points.
 */
function processBatch(records: number): { checksum: number; compactMs: number } {
  const compactAt = [1_000, Math.floor(records * 0.41), Math.floor(records * 0.77)];
  let nextCompact = 0;
  let checksum = 0x811c9dc5 | 0; // kept a 32-bit integer, which V8 computes fastest
  let compactMs = 0;
  for (let record = 0; record < records; record++) {
    checksum = Math.imul(checksum ^ (record & 0xff), 0x01000193);
    if (record === compactAt[nextCompact]) {
      nextCompact++;
      const started = performance.now();
      compactIndex();
      compactMs += performance.now() - started;
    }
  }
  return { checksum: checksum >>> 0, compactMs };
}

/**
 * The CPU time in ms the process spends on one batch (every thread's, the sampler's included),
 * under the CPU profiler at `hz` or without it. CPU time, not the clock's: a busy machine that
 * keeps the program waiting for a core stretches the clock, not the CPU time the work takes.
 */
function batchCpuMs(hz?: number): number {
  if (hz) startCPUProfile({ hz });
  const before = process.cpuUsage();
  processBatch(RECORDS);
  const used = process.cpuUsage(before);
  if (hz) stopCPUProfile();
  return (used.user + used.system) / 1000;
}

function profileBatch(hz: number): void {
  // The profile first, while the code is new. V8 records which functions it compiled into
  // which (inlining) only for code it compiles while a profile runs: in code compiled earlier,
  // an inlined function's time goes to its caller. So each rate has a process of its own.
  startCPUProfile({ hz });
  const started = performance.now();
  const { compactMs } = processBatch(RECORDS);
  const elapsedMs = performance.now() - started;
  const output = `cpu-${hz}hz.pb.gz`;
  writeProfile(output, stopCPUProfile());
  console.log(`At ${hz} Hz the batch took ${elapsedMs.toFixed(0)} ms; compactIndex ran 3 times, ${compactMs.toFixed(1)} ms in all -> ${output}`);

  // What the rate costs: the batch's CPU time without the profiler and under it, in turns,
  // five times each; the least of each, the run least disturbed by the rest of the machine. The
  // profiles of these rounds are thrown away.
  const plain: number[] = [];
  const sampled: number[] = [];
  for (let round = 0; round < 5; round++) {
    plain.push(batchCpuMs());
    sampled.push(batchCpuMs(hz));
  }
  const cost = Math.min(...sampled) / Math.min(...plain) - 1;
  console.log(`The batch alone: ${Math.min(...plain).toFixed(0)} ms of CPU; under the profiler at ${hz} Hz: ${Math.min(...sampled).toFixed(0)} ms, ${(100 * cost).toFixed(1)}% more (the least of 5 each)`);
}

// ---- frames: periodic work, sampled in step with it and not --------------------------------------

const FRAME_MS = 10;
const FRAMES_SECONDS = 3;

/** Spins until performance.now() reaches `time`: work that ends at an exact moment. */
function busyUntil(time: number): void {
  while (performance.now() < time);
}
/** The first 3 ms of a frame. */
function simulate(frameStart: number): void {
  busyUntil(frameStart + 3);
}
/** Sends the frame off, and waits 3 ms or a little more for it to arrive. */
async function upload(): Promise<void> {
  await sleep(3);
}
/** The rest of the frame, up to its 10 ms. */
function render(frameStart: number): void {
  busyUntil(frameStart + FRAME_MS);
}

/** Profiles FRAMES_SECONDS of frames at `hz` into wall-<hz>hz.pb.gz; returns the share of frames dropped. */
async function frames(hz: number): Promise<number> {
  const spentMs = { simulate: 0, upload: 0, render: 0 };
  installAsyncTracker(); // now, so that startWallProfile opens its window at once
  const clockStart = performance.now();
  startWallProfile({ hz });
  // The wall profiler counts a wait's samples on a clock that ticks `hz` times a second from the
  // window's start, which is clockStart to a few microseconds. Every frame starts 2.5 ms before
  // a tick of a 100 Hz clock, so that tick always falls in simulate, just before the upload. In
  // a program that does not know the sampler's clock, where the ticks fall is chance.
  const ahead = 2.5;
  let frameStart = clockStart + Math.ceil((performance.now() - clockStart + ahead) / FRAME_MS) * FRAME_MS - ahead;
  const end = clockStart + FRAMES_SECONDS * 1000;
  let dropped = 0;
  let frameCount = 0;
  while (frameStart < end) {
    frameCount++;
    const t0 = performance.now();
    simulate(frameStart);
    const t1 = performance.now();
    await upload();
    const t2 = performance.now();
    render(frameStart);
    const t3 = performance.now();
    spentMs.simulate += t1 - t0;
    spentMs.upload += t2 - t1;
    spentMs.render += t3 - t2;
    frameStart += FRAME_MS;
    // A frame that ends more than a frame late is dropped: the next one starts on time.
    for (; frameStart + FRAME_MS < performance.now(); frameStart += FRAME_MS) dropped++;
  }
  const output = `wall-${hz}hz.pb.gz`;
  writeProfile(output, stopWallProfile());
  const totalMs = spentMs.simulate + spentMs.upload + spentMs.render;
  const shares = Object.entries(spentMs).map(([name, ms]) => `${name} ${((100 * ms) / totalMs).toFixed(1)}%`);
  console.log(`${String(hz).padStart(3)} Hz: by the program's own clock, ${shares.join(', ')}${dropped ? ` (${dropped} frames dropped)` : ''} -> ${output}`);
  return dropped / (frameCount + dropped);
}

/**
 * Frames at `hz`, profiled again (once at most) when the machine was too busy to keep them on
 * time: a frame that runs late has its wait cover a tick, and the profile shows the machine's
 * load instead of the sampler's phase.
 */
async function steadyFrames(hz: number): Promise<void> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    const droppedShare = await frames(hz);
    if (droppedShare <= 0.05) return;
    console.log(`      ${(100 * droppedShare).toFixed(0)}% of the frames were dropped: the machine is busy${attempt < 2 ? ', profiling again' : '; this profile shows it'}`);
  }
}

const step = process.argv[2];
if (step === '10' || step === '100' || step === '1000') profileBatch(Number(step));
else if (step === 'frames') {
  await steadyFrames(100);
  await steadyFrames(99);
} else {
  console.error('say which step: npm run exercise 06-sampling-rate 10   (or 100, 1000, frames)');
  process.exit(2);
}

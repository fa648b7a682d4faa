import type { Profile } from '../pprof/index.ts';
import { epochNanos } from './clock.ts';
import { labelsAtV8Time, recordLabels, type LabelTimeline } from './labels.ts';
import { cpuProfileToPprof, fromTime } from './v8-cpu-profile.ts';
import { intervalMicrosFor, startV8Sampler, stopV8Sampler } from './v8-sampler.ts';

export interface CpuProfileOptions {
  /**
   * Samples per second. 100 by default, as Go's CPU profiler: each sample stands for 10 ms, cheap
   * enough to leave on, fine enough for work that takes tens of milliseconds.
   */
  hz?: number;
}

let running: { periodNanos: number; timeNanos: number; startedAtV8: number; labels: LabelTimeline } | undefined;

/**
 * Starts sampling the stack of this thread `hz` times a second, until stopCPUProfile().
 * Throws if a CPU profile is already running, here or in another copy of this module.
 */
export function startCPUProfile(options: CpuProfileOptions = {}): void {
  const hz = options.hz ?? 100;
  const intervalMicros = intervalMicrosFor(hz, options.hz);
  startV8Sampler(`a ${hz} Hz CPU profile`, intervalMicros);
  // The window opens once the sampler runs: starting it is the profiler's work, left out.
  running = {
    periodNanos: intervalMicros * 1000,
    timeNanos: epochNanos(),
    startedAtV8: Number(process.hrtime.bigint()) / 1000,
    labels: recordLabels(),
  };
}

/**
 * Stops the CPU profile and returns it as pprof: samples/count and cpu/nanoseconds, each sample
 * with the withLabels labels of the code it caught.
 */
export function stopCPUProfile(): Profile {
  if (!running) throw new Error('no CPU profile is running in this module: call startCPUProfile() first');
  const { periodNanos, timeNanos, startedAtV8, labels } = running;
  running = undefined;
  try {
    const profile = stopV8Sampler();
    return cpuProfileToPprof(fromTime(profile, startedAtV8), {
      periodNanos,
      timeNanos,
      mappingFile: process.argv[1],
      labelsAt: labelsAtV8Time(labels),
      programOnly: true,
    });
  } finally {
    labels.close();
  }
}

import { inUse, post } from './session.ts';
import type { V8CpuProfile } from './v8-cpu-profile.ts';

/** The highest rate accepted: V8's sampler cannot honour intervals much under 100 µs. */
export const MAX_HZ = 10_000;

/** The sampling interval for a rate in samples per second; a RangeError names what was given. */
export function intervalMicrosFor(hz: number, given: unknown = hz): number {
  if (!Number.isFinite(hz) || hz < 1 || hz > MAX_HZ) throw new RangeError(`hz must be a number from 1 to ${MAX_HZ}, got ${String(given)}`);
  return Math.round(1e6 / hz);
}

/**
 * Starts V8's one sampler of this thread, which CPU and wall profiles and traces share, every
 * `intervalMicros`. `what` says who holds it, for the error a second start gets, here or in
 * another copy of this module.
 */
export function startV8Sampler(what: string, intervalMicros: number): void {
  if (inUse.cpu) throw new Error(`CPU profiling already in use (${inUse.cpu})`);
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: intervalMicros });
  post('Profiler.start');
  inUse.cpu = `${what} started at ${new Date().toISOString()}`;
}

/** Stops V8's sampler and returns its profile; the sampler is free again even if stopping failed. */
export function stopV8Sampler(): V8CpuProfile {
  try {
    const { profile } = post<{ profile: V8CpuProfile }>('Profiler.stop');
    post('Profiler.disable');
    return profile;
  } finally {
    inUse.cpu = undefined;
  }
}

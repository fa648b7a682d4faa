/** Wall-clock now in nanoseconds since the epoch, finer than Date.now(), for profile start times. */
export function epochNanos(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1e6);
}

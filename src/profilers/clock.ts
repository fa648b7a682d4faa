/** Wall-clock now in nanoseconds since the epoch, finer than Date.now(), for profile start times. */
export function epochNanos(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1e6);
}

/**
 * How far V8's profile clock (the monotonic clock process.hrtime reads, in V8's microseconds)
 * is ahead of performance.now(), in milliseconds. Read between two performance.now() calls,
 * the closest of a few tries: one read can be preempted between the two clocks on a busy machine.
 */
export function monotonicOffsetMs(): number {
  let narrowest = Number.POSITIVE_INFINITY;
  let offset = 0;
  for (let i = 0; i < 5; i++) {
    const before = performance.now();
    const monotonic = Number(process.hrtime.bigint()) / 1e6;
    const after = performance.now();
    if (after - before < narrowest) {
      narrowest = after - before;
      offset = monotonic - (before + after) / 2;
    }
  }
  return offset;
}

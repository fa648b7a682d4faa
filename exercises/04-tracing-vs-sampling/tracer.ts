/**
 * YOUR PART: a tracing profiler, by hand.
 *
 * 1. timed(name, fn) returns a function that does what fn does (same arguments, same `this`,
 *    same result) and adds to `records` under `name`: one more call, and the milliseconds the
 *    call took (performance.now() before and after).
 * 2. traceMethods(target) replaces every method of target's class (its prototype's functions,
 *    but the constructor) with timed(methodName, method) on that one object, so every call
 *    through `this` is timed: what tracers that wrap every function automatically do.
 *
 * main.ts prints what `records` holds, and how much slower tracing made the program.
 */

/** Calls and total milliseconds per name, filled in by the wrappers timed() makes. */
export const records = new Map<string, { calls: number; totalMs: number }>();

export function timed<Args extends unknown[], Result>(name: string, fn: (...args: Args) => Result): (...args: Args) => Result {
  void name; // Measure each call and record it here.
  return fn;
}

export function traceMethods(target: object): void {
  void target; // Replace each method of target's class with a timed one here.
}

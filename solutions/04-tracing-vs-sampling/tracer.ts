/**
 * A tracing profiler, by hand: timed() wraps one function to count its calls and add up their
 * time; traceMethods() wraps every method of an object's class, as automatic tracers do.
 */

/** Calls and total milliseconds per name, filled in by the wrappers timed() makes. */
export const records = new Map<string, { calls: number; totalMs: number }>();

export function timed<Args extends unknown[], Result>(name: string, fn: (...args: Args) => Result): (...args: Args) => Result {
  return function (this: unknown, ...args: Args): Result {
    const started = performance.now();
    try {
      return fn.apply(this, args);
    } finally {
      const record = records.get(name) ?? { calls: 0, totalMs: 0 };
      record.calls++;
      record.totalMs += performance.now() - started;
      records.set(name, record);
    }
  };
}

export function traceMethods(target: object): void {
  const prototype = Object.getPrototypeOf(target) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method = prototype[name];
    if (name === 'constructor' || typeof method !== 'function') continue;
    Object.defineProperty(target, name, { value: timed(name, method as (...args: unknown[]) => unknown), configurable: true, writable: true });
  }
}

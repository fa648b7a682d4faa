import timers from 'node:timers';
import timersPromises from 'node:timers/promises';
import { patch, type Callable } from './patch.ts';
import { onUninstall, type AsyncOperation, type AsyncOperationOutcome } from './registry.ts';
import { begin, callThrough, end, settle, trackPromise } from './wrap.ts';

const TIMEOUT_MAX = 2 ** 31 - 1;

/** The delay Node really uses: anything outside 1..TIMEOUT_MAX ms becomes 1 ms. */
function delayOf(delay: unknown): number {
  const ms = Number(delay);
  return ms >= 1 && ms <= TIMEOUT_MAX ? ms : 1;
}

/** Timers in flight, by the Timeout object the program holds and clears. */
const pending = new Map<object, AsyncOperation>();

function finish(timer: unknown, outcome: AsyncOperationOutcome): void {
  const operation = pending.get(timer as object);
  if (!operation) return;
  pending.delete(timer as object);
  end(operation, outcome);
}

/**
 * setTimeout: from the call to the callback (which runs after the operation ended) or to its
 * clearing. Callback setInterval: one operation of kind `interval` from the call to the
 * clearing, its stack captured once; no stack awaits an interval, so its periods are not
 * waits of the code that set it. timers/promises: setTimeout until its promise settles, and
 * each `next()` of a setInterval iterator (what a `for await` loop waits on).
 */
export function installTimers(): void {
  // Timeout.prototype is not exported: take it from a timer made before any patch.
  const probe = timers.setTimeout(() => {}, 0);
  timers.clearTimeout(probe);
  const timeoutPrototype = Object.getPrototypeOf(probe) as object;

  for (const target of [globalThis, timers]) {
    patch(
      target,
      'setTimeout',
      (original) =>
        function trackedSetTimeout(this: unknown, callback: unknown, ...rest: unknown[]) {
          const operation = typeof callback === 'function' ? begin('timer', () => `setTimeout ${delayOf(rest[0])}ms`, { callback }) : undefined;
          if (!operation) return original.call(this, callback, ...rest);
          const fire = function endThenFire(this: unknown, ...args: unknown[]) {
            finish(timer, 'completed');
            return (callback as Callable).apply(this, args);
          };
          const timer: object = callThrough(operation, original, this, [fire, ...rest]);
          pending.set(timer, operation);
          return timer;
        },
    );
    patch(
      target,
      'setInterval',
      (original) =>
        function trackedSetInterval(this: unknown, callback: unknown, ...rest: unknown[]) {
          const operation = typeof callback === 'function' ? begin('interval', () => `setInterval ${delayOf(rest[0])}ms`, { callback }) : undefined;
          if (!operation) return original.call(this, callback, ...rest);
          const timer: object = callThrough(operation, original, this, [callback, ...rest]);
          pending.set(timer, operation);
          return timer;
        },
    );
    for (const name of ['clearTimeout', 'clearInterval']) {
      patch(
        target,
        name,
        (original) =>
          function trackedClear(this: unknown, timer: unknown) {
            const result = original.call(this, timer);
            cancelled(timer);
            return result;
          },
      );
    }
  }
  // timer.close() and `using` clear through Node's own clearTimeout, not the exported one.
  for (const name of ['close', Symbol.dispose]) {
    patch(
      timeoutPrototype,
      name,
      (original) =>
        function trackedClose(this: object) {
          const result = original.call(this);
          finish(this, 'cancelled');
          return result;
        },
    );
  }

  patch(
    timersPromises,
    'setTimeout',
    trackPromise('timer', (args) => `setTimeout ${delayOf(args[0])}ms`),
  );
  patch(
    timersPromises,
    'setInterval',
    (original) =>
      function trackedIntervals(this: unknown, ...args: unknown[]) {
        const ticks = original.apply(this, args) as AsyncIterator<unknown>;
        const next = ticks.next;
        ticks.next = function trackedNext(this: unknown, ...nextArgs: unknown[]) {
          const operation = begin('timer', () => `setInterval ${delayOf(args[0])}ms`);
          if (!operation) return next.apply(this, nextArgs as []);
          return settle(callThrough(operation, next as Callable, this, nextArgs) as Promise<IteratorResult<unknown>>, operation);
        };
        return ticks;
      },
  );

  onUninstall(() => pending.clear());
}

/**
 * A timer the program cleared. Cleared by its primitive id (`clearTimeout(+timer)`), it is
 * found by Node's own mark on timers it has taken off the list (`_destroyed`, internal).
 */
function cancelled(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null) {
    finish(timer, 'cancelled');
  } else if (typeof timer === 'number' || typeof timer === 'string') {
    for (const candidate of pending.keys()) {
      if ((candidate as { _destroyed?: boolean })._destroyed === true) finish(candidate, 'cancelled');
    }
  }
}

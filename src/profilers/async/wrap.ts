import type { Callable } from './patch.ts';
import { endOperation, startOperation, trackerInstalled, type AsyncOperation, type AsyncOperationKind, type AsyncOperationOutcome } from './registry.ts';
import type { Frame } from '../../pprof/builder.ts';
import { cpuMark, sampleOperation, spentSince } from './sampling.ts';
import { NOT_THE_PROGRAMS, userStack } from './stack.ts';

export interface BeginOptions {
  /** Prefixes of the `node:` modules that implement the API hooked; see userStack. */
  apiModules?: readonly string[];
  startTime?: number;
  /** The stack and weight, when they were taken ahead of the operation (see stackBelow). */
  caller?: Caller;
  /**
   * The function the operation will call back. Node passes its own functions, which the
   * program cannot reach: once a callback is seen passed by Node for itself, later operations
   * with it are turned away without a look at the stack (undici arms a timer per request).
   */
  callback?: unknown;
}

// biome-ignore lint/complexity/noBannedTypes: any function Node calls back, whatever its shape
const nodesCallbacks = new WeakSet<Function>();

/** Above zero while the profilers start operations of their own (see untracked). */
let ownCalls = 0;

/**
 * Runs `call` without tracking what it starts: the profilers' own timers (the one ending a
 * /debug/pprof profile) are not the program's operations.
 */
export function untracked<T>(call: () => T): T {
  ownCalls++;
  try {
    return call();
  } finally {
    ownCalls--;
  }
}

/**
 * Starts tracking an operation if user code started it (see userStack for `apiModules`).
 * Undefined when the tracker is off, when Node started it for itself, when it was not sampled
 * (see sampling.ts), or when the bookkeeping failed: the caller then just calls through. The
 * stack is captured here, once per operation.
 */
export function begin(kind: AsyncOperationKind, describe: () => string, options: BeginOptions = {}): AsyncOperation | undefined {
  if (!trackerInstalled() || ownCalls > 0) return undefined;
  const { apiModules = [], callback, caller } = options;
  if (typeof callback === 'function' && nodesCallbacks.has(callback)) return undefined;
  const weight = caller?.weight ?? sampleOperation();
  if (weight === undefined) return undefined;
  const began = performance.now();
  const beganCpu = cpuMark();
  try {
    const stack = caller?.stack ?? userStack(apiModules, begin);
    if (stack === NOT_THE_PROGRAMS) {
      if (typeof callback === 'function') nodesCallbacks.add(callback);
      return undefined;
    }
    return stack && startOperation(kind, describe(), stack, options.startTime ?? began, weight);
  } catch {
    return undefined;
  } finally {
    spentSince(began, beganCpu);
  }
}

/** What stackBelow found: the stack, and the weight of the operation it will start. */
export interface Caller {
  readonly stack: readonly Frame[];
  readonly weight: number;
}

/** stackBelow's answer when the operation is not to be recorded (see sampling.ts). */
export const NOT_SAMPLED = Symbol('not sampled');

/**
 * The program's stack below `entry`, a wrapper of the API it called, for a hook that fires deep
 * inside that API: a capture there would walk every frame of the API's insides as well (fetch
 * creates its request some thirty undici frames down, and those frames, optimised, are what a
 * capture spends its time on). Undefined when the tracker is off or Node made the call.
 */
// biome-ignore lint/complexity/noBannedTypes: any function Node calls back, whatever its shape
export function stackBelow(entry: Function): Caller | typeof NOT_SAMPLED | undefined {
  if (!trackerInstalled()) return undefined;
  const weight = sampleOperation();
  if (weight === undefined) return NOT_SAMPLED;
  const began = performance.now();
  const beganCpu = cpuMark();
  try {
    const stack = userStack([], entry);
    return stack === NOT_THE_PROGRAMS || stack === undefined ? undefined : { stack, weight };
  } catch {
    return undefined;
  } finally {
    spentSince(began, beganCpu);
  }
}

/** Ends an operation begin returned, if any. */
export function end(operation: AsyncOperation | undefined, outcome: AsyncOperationOutcome): void {
  if (!operation) return;
  const began = performance.now();
  const beganCpu = cpuMark();
  endOperation(operation, outcome);
  spentSince(began, beganCpu);
}

/** Calls the original; if it throws, nothing was started, so the operation ends there. */
export function callThrough(operation: AsyncOperation, original: Callable, self: unknown, args: unknown[]): ReturnType<Callable> {
  try {
    return original.apply(self, args);
  } catch (error) {
    end(operation, 'failed');
    throw error;
  }
}

/**
 * A wrapper for a Node API whose last argument is a callback `(error, ...results)`. The
 * operation ends before the callback runs, so the callback's own work never counts as waiting.
 * A call without a callback is not tracked: nothing would tell when it ends.
 */
export function trackCallback(kind: AsyncOperationKind, describe: (args: unknown[]) => string): (original: Callable) => Callable {
  return (original) =>
    function trackedCallbackApi(this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      const callback = args[last];
      const operation = typeof callback === 'function' ? begin(kind, () => describe(args), { callback }) : undefined;
      if (!operation) return original.apply(this, args);
      args[last] = function endThenCallBack(this: unknown, ...results: unknown[]) {
        end(operation, results[0] == null ? 'completed' : 'failed');
        return (callback as Callable).apply(this, results);
      };
      return callThrough(operation, original, this, args);
    };
}

/** A wrapper for a Node API that returns a promise; see settle. */
export function trackPromise(kind: AsyncOperationKind, describe: (args: unknown[]) => string): (original: Callable) => Callable {
  return (original) =>
    function trackedPromiseApi(this: unknown, ...args: unknown[]) {
      const operation = begin(kind, () => describe(args));
      if (!operation) return original.apply(this, args);
      return settle(callThrough(operation, original, this, args) as PromiseLike<unknown>, operation);
    };
}

/**
 * The promise's result, delivered after the operation has ended, so whatever awaits it never
 * runs while it still counts as waiting. A new promise rather than a handler on the original,
 * so that a rejection nobody handles stays unhandled, as it would be without the tracker.
 */
export function settle<T>(promise: PromiseLike<T>, operation: AsyncOperation): Promise<T> {
  return Promise.resolve(promise).then(
    (value) => {
      end(operation, 'completed');
      return value;
    },
    (error: unknown) => {
      end(operation, isAbort(error) ? 'cancelled' : 'failed');
      throw error;
    },
  );
}

/** Node's and fetch's way of saying "stopped on request" (AbortSignal). */
export function isAbort(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}

/**
 * Marks a wait the tracker cannot see by itself (a worker's reply, a native driver's
 * callback turned into a promise): until `promise` settles, it is an operation of kind
 * `user` described by `label`, on the stack that called trackWait. Await what it returns,
 * which settles as `promise` does. Without the tracker installed it costs nothing. Do not mark
 * a promise the tracker already sees (a fetch, a timer): the wait would count twice.
 */
export function trackWait<T>(promise: PromiseLike<T>, label: string): Promise<T> {
  const operation = begin('user', () => label);
  return operation ? settle(promise, operation) : Promise.resolve(promise);
}

/**
 * Operations keyed by the object that stands for them (a request), for sources whose start and
 * end arrive as separate events about that object. Ends once: a second end is ignored.
 */
export class OperationsByObject {
  readonly #operations = new WeakMap<object, AsyncOperation>();

  set(key: object, operation: AsyncOperation): void {
    this.#operations.set(key, operation);
  }

  finish(key: object, outcome: AsyncOperationOutcome): void {
    const operation = this.#operations.get(key);
    if (!operation) return;
    this.#operations.delete(key);
    end(operation, outcome);
  }
}

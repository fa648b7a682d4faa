import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';
import { partitionPoint } from '../pprof/search.ts';
import { monotonicOffsetMs } from './clock.ts';

/**
 * Profiler labels, as Go's pprof.Do sets them: key=value pairs that the samples of some code
 * carry, so that a profile can be cut by them (`-tagfocus=route=/report`).
 *
 *   app.get('/report', (req, res) => withLabels({ route: '/report' }, () => report(req, res)));
 *
 * The labels hold for the code `fn` runs and for everything it starts: after each await, in each
 * callback, across timers, requests and files, as an AsyncLocalStorage holds its store. Samples
 * of CPU and wall profiles carry the labels of the code running when they were taken; a wall
 * profile's waits carry the labels of the code that started them.
 *
 * Cost: telling which labels were current at each sample needs a hook at every callback and
 * promise reaction while a profile runs; it is switched on only once withLabels has been called,
 * so a program that uses no labels pays nothing.
 */
export type Labels = Readonly<Record<string, string>>;

/** Keys the wall profiler writes itself. */
const RESERVED = new Set(['state', 'wait']);

const storage = new AsyncLocalStorage<Labels>();

/** Runs `fn` with `labels` added to those already current (a key given again takes the new value), and returns what it returns. */
export function withLabels<T>(labels: Record<string, string>, fn: () => T): T {
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value !== 'string') throw new TypeError(`label ${key} must be a string, got ${typeof value}`);
    if (RESERVED.has(key)) throw new TypeError(`label ${key} is the wall profiler's own: choose another key`);
  }
  used = true;
  if (timelines.size > 0) enableHook();
  const outer = storage.getStore();
  const merged: Labels = Object.freeze({ ...outer, ...labels });
  return storage.run(merged, () => {
    mark(merged);
    try {
      return fn();
    } finally {
      mark(outer);
    }
  });
}

/** The labels of the code running now, if any. */
export function currentLabels(): Labels | undefined {
  return storage.getStore();
}

/**
 * Which labels were current when, from the moment a profile starts: a change is recorded at each
 * callback and promise reaction that switches labels, so a sample's time says what it ran for.
 */
export interface LabelTimeline {
  /** The labels current at `time` (performance.now() milliseconds), if any. */
  at(time: number): Labels | undefined;
  /** Stops recording. */
  close(): void;
}

interface Recording {
  times: number[];
  labels: (Labels | undefined)[];
}

let used = false;
const timelines = new Set<Recording>();
let hook: AsyncHook | undefined;
let last: Labels | undefined;

function mark(labels: Labels | undefined): void {
  if (labels === last || timelines.size === 0) return;
  last = labels;
  const time = performance.now();
  for (const recording of timelines) {
    recording.times.push(time);
    recording.labels.push(labels);
  }
}

function enableHook(): void {
  hook ??= createHook({
    before: () => mark(storage.getStore()),
    after: () => mark(undefined),
  });
  hook.enable();
}

/** Starts recording which labels are current; the hooks run only if labels are in use. */
export function recordLabels(): LabelTimeline {
  const recording: Recording = { times: [performance.now()], labels: [storage.getStore()] };
  last = storage.getStore();
  timelines.add(recording);
  if (used) enableHook();
  return {
    at(time) {
      // The last change at or before `time`.
      const found = partitionPoint(recording.times.length, (i) => recording.times[i]! <= time) - 1;
      return found < 0 ? undefined : recording.labels[found];
    },
    close() {
      timelines.delete(recording);
      if (timelines.size === 0) hook?.disable();
    },
  };
}

/**
 * Reads a V8 profile's sample times (microseconds of the monotonic clock process.hrtime reads)
 * as performance.now() milliseconds, the clock the timeline keeps.
 */
export function labelsAtV8Time(timeline: LabelTimeline): (micros: number) => Labels | undefined {
  const offsetMs = monotonicOffsetMs();
  return (micros) => timeline.at(micros / 1000 - offsetMs);
}

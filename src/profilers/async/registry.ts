import type { Frame } from '../../pprof/builder.ts';
import { currentLabels, type Labels } from '../labels.ts';

/**
 * What an operation waits on; the wall profiler's `wait` label. `timer` is setTimeout and
 * timers/promises; `interval` a callback setInterval, from the call to its clearing: no stack
 * awaits an interval, so it is not a wait of the code that set it, and a wall profile should
 * leave it out (it is kept for snapshots, as Go lists a goroutine parked on a ticker).
 */
export type AsyncOperationKind = 'timer' | 'interval' | 'fetch' | 'http' | 'fs' | 'dns' | 'net' | 'tls' | 'child_process' | 'event' | 'user';

/** One asynchronous operation user code started and that has not finished yet. */
export interface AsyncOperation {
  /** Unique in the process, increasing with start order. */
  readonly id: number;
  readonly kind: AsyncOperationKind;
  /** What it waits for: `setTimeout 10ms`, `fetch GET http://127.0.0.1:8080/slow`, `fs.readFile /etc/hosts`. */
  readonly description: string;
  /** When it started, in performance.now() milliseconds (monotonic, for measuring). */
  readonly startTime: number;
  /** When it started, in milliseconds since the Unix epoch (for showing). */
  readonly startEpochMs: number;
  /**
   * The stack that started it, leaf first, with V8's async callers (`await` sites) after the
   * synchronous frames, mapped to the TypeScript written. Frames are shared between operations
   * started at the same places: read them, do not change them.
   */
  readonly stack: readonly Frame[];
  /** The withLabels labels of the code that started it. */
  readonly labels?: Labels;
  /**
   * How many operations it stands for: 1, unless it was recorded while the tracker sampled
   * (see sampling.ts), when others like it went unrecorded.
   */
  readonly weight: number;
}

/** An operation as a snapshot saw it. */
export interface InFlightOperation extends AsyncOperation {
  /** Milliseconds from its start to the snapshot. */
  readonly ageMs: number;
}

/**
 * How an operation ended: `completed` (its result arrived, an error result of a callback or
 * promise is `failed`), `cancelled` (cleared, aborted or closed before a result). A timer that
 * was cleared was a guard, not a wait the code sat in: a profiler may want to treat it apart.
 */
export type AsyncOperationOutcome = 'completed' | 'failed' | 'cancelled';

/**
 * Hears operations start and end, as they happen. onEnd runs before the code waiting on the
 * operation resumes. What a listener throws is swallowed: the tracker never throws into the
 * program.
 */
export interface AsyncOperationListener {
  onStart?(operation: AsyncOperation): void;
  /** `endTime` is in performance.now() milliseconds, like `startTime`. */
  onEnd?(operation: AsyncOperation, endTime: number, outcome: AsyncOperationOutcome): void;
}

interface TrackerState {
  installed: boolean;
  nextId: number;
  /** Only what is in flight: a finished operation is handed to the listeners and dropped. */
  readonly inFlight: Set<AsyncOperation>;
  readonly listeners: Set<AsyncOperationListener>;
  /** How to take every patch and subscription back, in the order they were made. */
  readonly undo: (() => void)[];
}

/**
 * Kept on globalThis so that two copies of the tracker (a preload and the program importing
 * it by another path) patch once and agree on what is in flight.
 */
const stateKey = Symbol.for('node-profiling-workshop.async-tracker');
const state: TrackerState = ((globalThis as Record<symbol, TrackerState>)[stateKey] ??= {
  installed: false,
  nextId: 1,
  inFlight: new Set(),
  listeners: new Set(),
  undo: [],
});

/** Whether the tracker is installed: operations start only then. */
export function trackerInstalled(): boolean {
  return state.installed;
}

/** Marks the tracker installed or not; not installing, it forgets what was in flight. */
export function setTrackerInstalled(installed: boolean): void {
  state.installed = installed;
  if (!installed) state.inFlight.clear();
}

/** Keeps a way to take a patch or subscription back when the tracker is uninstalled. */
export function onUninstall(undo: () => void): void {
  state.undo.push(undo);
}

/** Takes every patch and subscription back, the last made first. */
export function undoAll(): void {
  for (const undo of state.undo.splice(0).reverse()) undo();
}

/** Records an operation as in flight and tells the listeners. */
export function startOperation(kind: AsyncOperationKind, description: string, stack: readonly Frame[], startTime: number, weight: number): AsyncOperation {
  const operation: AsyncOperation = {
    id: state.nextId++,
    kind,
    description,
    startTime,
    startEpochMs: performance.timeOrigin + startTime,
    stack,
    labels: currentLabels(),
    weight,
  };
  state.inFlight.add(operation);
  for (const listener of state.listeners) {
    try {
      listener.onStart?.(operation);
    } catch {
      // A listener's failure is its own; the program goes on.
    }
  }
  return operation;
}

/** Ends an operation; the first end counts, later ones (a close after an error) do nothing. */
export function endOperation(operation: AsyncOperation, outcome: AsyncOperationOutcome): void {
  if (!state.inFlight.delete(operation)) return;
  const endTime = performance.now();
  for (const listener of state.listeners) {
    try {
      listener.onEnd?.(operation, endTime, outcome);
    } catch {
      // As above.
    }
  }
}

/** What is in flight now, oldest first, each with its age. Empty when the tracker is not installed. */
export function asyncOperationsInFlight(): InFlightOperation[] {
  const now = performance.now();
  return Array.from(state.inFlight, (operation) => ({ ...operation, ageMs: now - operation.startTime }));
}

/**
 * Calls the listener for every operation that starts or ends from now on, until the returned
 * function is called. With a snapshot taken when it subscribes, a profiler sees every wait of
 * a window: those in flight at its start, those that start and end in it, and (another
 * snapshot) those still in flight at its end. Subscribing does not install the tracker.
 */
export function subscribeAsyncOperations(listener: AsyncOperationListener): () => void {
  state.listeners.add(listener);
  return () => {
    state.listeners.delete(listener);
  };
}

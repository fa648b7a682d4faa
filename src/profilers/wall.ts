import type { Profile } from '../pprof/index.ts';
import { ProfileBuilder, SourceMapper, type Frame } from '../pprof/index.ts';
import { asyncTrackerInstalled, installAsyncTracker, uninstallAsyncTracker } from './async/install.ts';
import { asyncOperationsInFlight, subscribeAsyncOperations, type AsyncOperation, type AsyncOperationKind } from './async/registry.ts';
import { startSampling, type SamplingSummary } from './async/sampling.ts';
import { epochNanos, monotonicOffsetMs } from './clock.ts';
import { labelsAtV8Time, recordLabels, type LabelTimeline, type Labels } from './labels.ts';
import { addV8Samples, type V8CpuProfile } from './v8-cpu-profile.ts';
import { intervalMicrosFor, startV8Sampler, stopV8Sampler } from './v8-sampler.ts';
import { ProgramTimeline, wallCharging } from './wall-timeline.ts';

export interface WallProfileOptions {
  /**
   * Samples per second of the running thread. 99 by default, as fgprof: not 100, so that the
   * samples do not fall in step with the 10 ms timers and intervals programs are full of, which
   * would put every sample at the same point of each period and overstate it.
   */
  hz?: number;
}

export const DEFAULT_WALL_HZ = 99;

/**
 * Where one window's waits add up: a tree of the stacks operations started on (leaf first,
 * keyed by the tracker's shared frames), each node holding a total per description. Memory
 * grows with distinct stacks and descriptions, not with the number of operations.
 */
interface StackNode {
  readonly children: Map<Frame, StackNode>;
  waits?: Map<string, WaitTotal>;
  /** A number per description for the place awaited, so the timeline can tell runs between the same two awaits. */
  sites?: Map<string, number>;
}
interface WaitTotal {
  readonly description: string;
  readonly kind: AsyncOperationKind;
  readonly stack: readonly Frame[];
  readonly labels?: Labels;
  /** Weighted (see AsyncOperation.weight): rounded when the profile is built. */
  count: number;
  nanos: number;
}

/**
 * The synchronous run of JavaScript an operation was started in. It ends when the runtime next
 * takes a microtask queued in it: until then, the code that started the operation is still
 * running (`const reply = fetch(url); hash(data); await reply`), so it is not waiting yet.
 */
interface Turn {
  end: number;
}

interface Window {
  readonly periodMs: number;
  readonly startTime: number;
  readonly timeNanos: number;
  readonly waits: StackNode;
  readonly turns: WeakMap<AsyncOperation, Turn>;
  /** When the waits were in flight and the code turned, to charge V8's samples by. */
  readonly timeline: ProgramTimeline;
  /** How many places (stack and description) the program awaited at: see StackNode.sites. */
  siteCount: number;
  readonly unsubscribe: () => void;
  /** Ends the tracker's sampling and says what it did. */
  readonly stopSampling: () => SamplingSummary;
  readonly installedTracker: boolean;
  readonly labels: LabelTimeline;
  currentTurn?: Turn;
}

let running: Window | undefined;

/**
 * Starts a wall-clock profile of this thread: every millisecond of the window is charged to a
 * stack, whether the code ran on the CPU (V8's samples) or waited for an async operation to end
 * (the async tracker, installed here if it is not already). Throws if a CPU or wall profile is
 * already running: both take V8's one sampler.
 */
export function startWallProfile(options: WallProfileOptions = {}): void {
  const hz = options.hz ?? DEFAULT_WALL_HZ;
  const intervalMicros = intervalMicrosFor(hz, options.hz);
  const installedTracker = !asyncTrackerInstalled();
  installAsyncTracker();
  try {
    startV8Sampler(`a ${hz} Hz wall profile`, intervalMicros);
  } catch (error) {
    if (installedTracker) uninstallAsyncTracker();
    throw error;
  }
  // The window opens once V8's sampler runs: starting it is the profiler's work, not the
  // program's (hundreds of milliseconds on a busy machine): its samples of that are left out
  // (tool-frames.ts), and V8's first sample, charged the time since V8 started its profile, is
  // charged only what falls inside the window.
  const startTime = performance.now();
  const timeNanos = epochNanos();

  const window: Window = {
    periodMs: intervalMicros / 1000,
    startTime,
    timeNanos,
    waits: { children: new Map() },
    turns: new WeakMap(),
    timeline: new ProgramTimeline(startTime),
    siteCount: 0,
    installedTracker,
    stopSampling: startSampling(),
    labels: recordLabels(),
    unsubscribe: subscribeAsyncOperations({
      onStart(operation) {
        window.turns.set(operation, window.currentTurn ?? startTurn(window));
      },
      onEnd(operation, endTime, outcome) {
        // A cleared timer was a guard nobody waited on (a timeout that did not fire).
        if (operation.kind === 'timer' && outcome === 'cancelled') return;
        charge(window, operation, endTime);
      },
    }),
  };
  running = window;
}

function startTurn(window: Window): Turn {
  const turn: Turn = { end: Number.NaN };
  window.currentTurn = turn;
  queueMicrotask(() => {
    turn.end = performance.now();
    if (window.currentTurn === turn) window.currentTurn = undefined;
  });
  return turn;
}

/**
 * Adds the part of an operation's wait inside the window. Intervals are left out: nothing
 * awaits a callback interval, so its periods are no one's wait. `samples` counts the ticks of a
 * `hz` clock running from the window's start that fall inside the wait: what a sampler looking
 * at every waiting stack `hz` times a second would have counted.
 */
function charge(window: Window, operation: AsyncOperation, endTime: number): void {
  if (operation.kind === 'interval') return;
  const turnEnd = window.turns.get(operation)?.end;
  const waitStart = Math.max(window.startTime, operation.startTime, Number.isNaN(turnEnd) ? endTime : (turnEnd ?? 0));
  if (endTime <= waitStart) return;
  let node = window.waits;
  for (const frame of operation.stack) {
    let child = node.children.get(frame);
    if (!child) node.children.set(frame, (child = { children: new Map() }));
    node = child;
  }
  node.sites ??= new Map();
  let site = node.sites.get(operation.description);
  if (site === undefined) node.sites.set(operation.description, (site = window.siteCount++));
  if (turnEnd !== undefined && !Number.isNaN(turnEnd)) window.timeline.turn(turnEnd);
  window.timeline.turn(endTime);
  window.timeline.wait(waitStart, endTime, site);
  node.waits ??= new Map();
  // Waits of the same place and description apart by their labels, if they have any.
  const key = operation.labels ? `${operation.description}\0${JSON.stringify(operation.labels)}` : operation.description;
  let total = node.waits.get(key);
  if (!total)
    node.waits.set(
      key,
      (total = { description: operation.description, kind: operation.kind, stack: operation.stack, labels: operation.labels, count: 0, nanos: 0 }),
    );
  const tick = (time: number) => Math.ceil((time - window.startTime) / window.periodMs);
  total.count += (tick(endTime) - tick(waitStart)) * operation.weight;
  total.nanos += (endTime - waitStart) * 1e6 * operation.weight;
}

/**
 * Stops the wall profile and returns it as pprof: sample types samples/count and
 * wall/nanoseconds, labels `state` (running or waiting) and, on waits, `wait` (the kind of
 * operation), besides the withLabels labels of the code that ran or started the wait. Waits
 * still in flight are charged up to now.
 */
export function stopWallProfile(): Profile {
  const window = running;
  if (!window) throw new Error('no wall profile is running in this module: call startWallProfile() first');
  running = undefined;
  const endTime = performance.now();
  let v8: V8CpuProfile;
  const sampled = window.stopSampling();
  try {
    window.unsubscribe();
    for (const operation of asyncOperationsInFlight()) charge(window, operation, endTime);
  } finally {
    window.labels.close();
    if (window.installedTracker) uninstallAsyncTracker();
    v8 = stopV8Sampler();
  }

  const builder = new ProfileBuilder({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'wall', unit: 'nanoseconds' },
    ],
    periodType: { type: 'wall', unit: 'nanoseconds' },
    period: Math.round(window.periodMs * 1e6),
    defaultSampleType: 'wall',
    timeNanos: window.timeNanos,
    durationNanos: Math.round((endTime - window.startTime) * 1e6),
    mappingFile: process.argv[1],
    comments: [
      'wall: time on the CPU (state=running) plus time awaiting async operations (state=waiting); concurrent waits add up',
      ...(sampled.lowestProbability < 1 ? [sampledWaitsComment(sampled)] : []),
    ],
  });
  addV8Samples(builder, v8, {
    mapper: new SourceMapper(),
    labels: { state: 'running' },
    labelsAt: labelsAtV8Time(window.labels),
    fromProgramRoot: true,
    programOnly: true,
    wall: wallCharging(window.timeline, { startMs: window.startTime, endMs: endTime, intervalMicros: window.periodMs * 1000, offsetMs: monotonicOffsetMs() }),
  });
  for (const total of waitTotals(window.waits)) {
    builder.addSample(waitingStack(total.description, total.stack), [Math.round(total.count), Math.round(total.nanos)], {
      ...total.labels,
      state: 'waiting',
      wait: total.kind,
    });
  }
  return builder.build();
}

/**
 * Tells the reader the waits are estimates, from how many recordings, and how much one could
 * weigh at most: few recordings of great weight make rough estimates.
 */
function sampledWaitsComment({ lowestProbability, offered, recorded }: SamplingSummary): string {
  const count = (n: number) => n.toLocaleString('en-US');
  return `waits sampled: ${count(recorded)} of ${count(offered)} operations recorded (at the busiest 1 in ${Math.round(1 / lowestProbability)}), each counted for those like it; waiting times are estimates`;
}

/**
 * A wait as a stack in a profile: a `(wait) <description>` leaf under the stack that started the
 * operation. Lines, not columns: an await and a call on the same line are one place in a profile.
 */
export function waitingStack(description: string, stack: readonly Frame[]): Frame[] {
  return [{ name: `(wait) ${description}`, file: '', line: 0 }, ...stack.map(({ name, file, line, functionLine }) => ({ name, file, line, functionLine }))];
}

/** Every wait total in the tree, depth first: the same program gives the same order. */
function* waitTotals(node: StackNode): Generator<WaitTotal> {
  if (node.waits) yield* [...node.waits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, total]) => total);
  for (const child of node.children.values()) yield* waitTotals(child);
}

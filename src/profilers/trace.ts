import { basename } from 'node:path';
import { SourceMapper } from '../pprof/index.ts';
import { monotonicOffsetMs } from './clock.ts';
import { subscribeAsyncOperations, type AsyncOperation } from './async/registry.ts';
import { frameOf, parentsOf, type V8CpuProfile } from './v8-cpu-profile.ts';
import { startV8Sampler, stopV8Sampler } from './v8-sampler.ts';

/** A trace samples the stack this often: fine enough to see each call of a few milliseconds. */
const TRACE_INTERVAL_MICROS = 1000;
const MAIN_THREAD = 1;

/** One entry of the Trace Event Format that Perfetto and chrome://tracing read. */
interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: string;
  args?: Record<string, unknown>;
}

/**
 * Starts a trace of this thread: its JavaScript as a flame chart (V8 samples every millisecond,
 * each run of the same stack drawn as nested slices) and every async operation as a span from
 * its start to its end. Returns the function that stops it and gives the trace as JSON for
 * Perfetto (ui.perfetto.dev) or chrome://tracing. Throws if a CPU or wall profile runs: they
 * share V8's sampler.
 */
export function startTrace(): () => { traceEvents: TraceEvent[]; displayTimeUnit: string } {
  startV8Sampler('a trace', TRACE_INTERVAL_MICROS);
  const spans = new Map<AsyncOperation, { start: number; end?: number }>();
  const unsubscribe = subscribeAsyncOperations({
    onStart: (operation) => spans.set(operation, { start: operation.startTime }),
    onEnd: (operation, endTime) => {
      const span = spans.get(operation);
      // Operations begun before the trace show from its start.
      if (span) span.end = endTime;
      else spans.set(operation, { start: Number.NEGATIVE_INFINITY, end: endTime });
    },
  });
  // performance.now() milliseconds to V8's clock (monotonic microseconds), for the spans.
  const offsetMicros = monotonicOffsetMs() * 1000;

  return () => {
    unsubscribe();
    const profile = stopV8Sampler();
    const pid = process.pid;
    const events: TraceEvent[] = [
      { ph: 'M', name: 'process_name', pid, tid: MAIN_THREAD, args: { name: `node ${basename(process.argv[1] ?? '')}` } },
      { ph: 'M', name: 'thread_name', pid, tid: MAIN_THREAD, args: { name: 'JavaScript (main thread)' } },
    ];
    events.push(...flameChart(profile, pid));
    const toTrace = (ms: number) => Math.max(0, Math.round(ms * 1000 + offsetMicros - profile.startTime));
    const traceEnd = profile.endTime - profile.startTime;
    for (const [operation, span] of [...spans].sort(([a], [b]) => a.id - b.id)) {
      const id = String(operation.id);
      const stack = operation.stack.map((frame) => `${frame.name} ${frame.file}:${frame.line}`);
      const start = Number.isFinite(span.start) ? toTrace(span.start) : 0;
      events.push({
        ph: 'b',
        cat: operation.kind,
        name: operation.description,
        id,
        pid,
        tid: MAIN_THREAD,
        ts: start,
        args: { stack, inFlightAtEnd: span.end === undefined },
      });
      events.push({
        ph: 'e',
        cat: operation.kind,
        name: operation.description,
        id,
        pid,
        tid: MAIN_THREAD,
        ts: span.end === undefined ? traceEnd : Math.max(start, toTrace(span.end)),
      });
    }
    return { traceEvents: events, displayTimeUnit: 'ms' };
  };
}

/** V8's samples as nested slices: a frame's slice lasts while the samples keep it on the stack. */
function flameChart(profile: V8CpuProfile, pid: number): TraceEvent[] {
  const mapper = new SourceMapper();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = parentsOf(profile);
  const paths = new Map<number, number[]>();
  const pathOf = (id: number): number[] => {
    let path = paths.get(id);
    if (!path) {
      const name = byId.get(id)?.callFrame.functionName;
      const parent = parentOf.get(id);
      path = name === '(root)' || name === '(idle)' || name === undefined ? [] : [...(parent === undefined ? [] : pathOf(parent)), id];
      paths.set(id, path);
    }
    return path;
  };
  const events: TraceEvent[] = [];
  const open: { id: number; start: number }[] = [];
  const close = (keep: number, at: number) => {
    while (open.length > keep) {
      const { id, start } = open.pop()!;
      const callFrame = byId.get(id)!.callFrame;
      const frame = frameOf(callFrame, mapper);
      events.push({
        ph: 'X',
        cat: 'js',
        name: frame.name,
        pid,
        tid: MAIN_THREAD,
        ts: start,
        dur: Math.max(0, at - start),
        args: frame.file ? { source: `${frame.file}:${frame.line}` } : {},
      });
    }
  };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let time = 0;
  for (let i = 0; i < samples.length; i++) {
    time += Math.max(0, deltas[i] ?? 0);
    const path = pathOf(samples[i]!);
    let shared = 0;
    while (shared < open.length && shared < path.length && open[shared]!.id === path[shared]) shared++;
    close(shared, time);
    for (let depth = shared; depth < path.length; depth++) open.push({ id: path[depth]!, start: time });
  }
  close(0, profile.endTime - profile.startTime);
  return events.sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
}

import type { Profile } from '../pprof/index.ts';
import { ProfileBuilder, SourceMapper, type Frame, type LabelValue } from '../pprof/index.ts';
import { actsForItsCaller, isAsyncTrackerFile, isRuntimeFile, isToolFile } from './tool-frames.ts';

/** The shape of V8's CPU profile, as `Profiler.stop` returns it and `--cpu-prof` writes it. */
export interface V8CpuProfile {
  nodes: V8CpuNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}
export interface V8CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId?: string | number;
}
interface V8CpuNode {
  id: number;
  callFrame: V8CallFrame;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}

export interface CpuConversionOptions {
  /** Sampling period in nanoseconds; estimated from the samples when absent. */
  periodNanos?: number;
  /** Wall-clock start of the profile, nanoseconds since the epoch (V8's clock is monotonic). */
  timeNanos: number;
  mapper?: SourceMapper;
  mappingFile?: string;
  /** See V8SampleOptions.labelsAt. */
  labelsAt?: V8SampleOptions['labelsAt'];
  /** See V8SampleOptions.programOnly. */
  programOnly?: boolean;
}

/** V8's names for time not spent in JavaScript; (idle) is the event loop waiting, not CPU. */
const IDLE = '(idle)';
const ROOT = '(root)';
const GC = '(garbage collector)';
const PROGRAM = '(program)';
const V8_STATES = new Set([IDLE, ROOT, GC, PROGRAM]);

/**
 * Turns a V8 CPU profile into pprof with sample types samples/count and cpu/nanoseconds.
 * (idle) samples are dropped; (garbage collector) and (program) stay as leaves, because the CPU
 * was busy there. See addV8Samples for how samples are weighted and where they go.
 */
export function cpuProfileToPprof(v8: V8CpuProfile, options: CpuConversionOptions): Profile {
  const builder = new ProfileBuilder({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: options.periodNanos ?? estimatePeriodNanos(v8.timeDeltas ?? []),
    defaultSampleType: 'cpu',
    timeNanos: options.timeNanos,
    durationNanos: Math.max(0, Math.round((v8.endTime - v8.startTime) * 1000)),
    mappingFile: options.mappingFile,
  });
  addV8Samples(builder, v8, { mapper: options.mapper ?? new SourceMapper(), labelsAt: options.labelsAt, programOnly: options.programOnly });
  return builder.build();
}

export interface V8SampleOptions {
  mapper: SourceMapper;
  /** Labels every sample added carries. */
  labels?: Readonly<Record<string, LabelValue>>;
  /** The withLabels labels current at a sample's time (V8's microseconds), which it carries too. */
  labelsAt?: (micros: number) => Readonly<Record<string, string>> | undefined;
  /**
   * Drops Node's own frames below the first frame of the program (the timer list, the
   * microtask queue), so that code resumed after an await starts at the program's function, as
   * the async tracker's stacks do. Stacks with no frame of the program keep them all.
   */
  fromProgramRoot?: boolean;
  /**
   * Leaves out the samples of the profilers' and the toolchain's own work (tool-frames.ts):
   * starting the sampler, compiling the program's TypeScript; those inside the program's calls
   * of APIs the async tracker hooks go to the calling function (programsWorkOf). For profiles
   * of this process; a file converted from elsewhere keeps every sample.
   */
  programOnly?: boolean;
  /** How a wall profile charges time, rather than a CPU profile's way; see addV8Samples. */
  wall?: WallCharging;
}

/**
 * What a wall profile knows of the program's time, in V8's microseconds, to charge samples by.
 */
export interface WallCharging {
  /** The window: a sample is charged only its time inside it, and counted only if taken inside it. */
  readonly start: number;
  readonly end: number;
  /** V8's sampling interval. */
  readonly interval: number;
  /**
   * About when the program's code first (or last) turned between two times, if it did: a run
   * that started a wait ended, or a wait ended and the code awaiting it resumed. The thread was
   * running at such a time.
   */
  firstTurn(from: number, to: number): number | undefined;
  lastTurn(from: number, to: number): number | undefined;
  /** Whether the code surely turned between two times: turns are known to the quarter millisecond. */
  surelyTurned(from: number, to: number): boolean;
  /** Whether a wait of the program was in flight at `time`: then the wait counts the time already. */
  waitingAt(time: number): boolean;
  /** How long waits of the program were in flight between two times. */
  waitedBetween(from: number, to: number): number;
  /**
   * Which run of the program's code `time` fell in while no wait was in flight, named by the
   * two awaits around it (runs between the same two run the same code), if known.
   */
  runAt(time: number): string | undefined;
  /** The parts of `from` to `to` in which no wait was in flight, each with its run's name as runAt gives it. */
  runsBetween(from: number, to: number): readonly { start: number; end: number; run?: string }[];
}

/**
 * Adds the non-idle samples of a V8 CPU profile to a builder whose two sample types are a
 * count and nanoseconds. Each sample is weighted by the time since the sample before it (V8's
 * own deltas), not by count x interval: V8's sampler is late under load, and the deltas say by
 * how much. A sample is charged the interval that just ended, as a SIGPROF charges it: charged
 * the interval after it instead, the canonical loop's hashing step read 1 to 2 points low in
 * wall profiles measured against the program's own clock. The last sample is also charged the
 * time from it to the profile's end, so that the samples add up to the window less its idle
 * time. A leaf's line comes from V8's per-line tick counts, split in proportion to them.
 *
 * V8 records a sample taken during garbage collection with no stack. Most collections run
 * because the code running allocated (as Go's GC assists run on the allocating goroutine), so
 * a run of (garbage collector) samples goes under the stack of the JavaScript sampled just
 * before it, or else just after it; a run between two idle samples stays at the root.
 *
 * A wall profile (options.wall) charges otherwise, each rule measured to move shares by points
 * under load (bench/wall-accuracy.ts, against the program's own timings):
 * - Only time inside the window: V8's first sample carries the time since its profile started,
 *   which includes starting the sampler (up to 780 ms on a busy machine).
 * - Quiet samples stand for nothing: idle ones, and while the program waits, Node's own work
 *   (stacks with no frame of the program: undici reading a response, a collection between
 *   callbacks), which is part of the wait and counted by it. Charged as running, they made
 *   running + waiting of a sequential loop up to 117% of its window.
 * - A collection (or V8's `(program)`) in a run of the program's code (while nothing waited) in
 *   which V8 sampled no JavaScript goes under the code sampled in the runs between the same two
 *   awaits, in proportion to its time there: V8's few samples of a short CPU step may all fall
 *   in its collections (a third of its time when it hashes), and at the root they took 1 to 2
 *   points from that step. With no such run sampled, it stays at the root.
 * - A collection goes under JavaScript sampled next to it only if the program's code did not
 *   turn in between: otherwise it ran between callbacks (V8 runs one as a task once the code
 *   that allocated returns). For one sampled while nothing waited, only a turn surely between
 *   counts: one in the same quarter millisecond as the JavaScript sample left a contended
 *   loop's collections at the root, 1 to 2 points of its CPU step. Hosted by the code before,
 *   the collections after a CPU step ran during the next sleep and were charged to the step.
 * - A collection with no JavaScript sampled before it in its run (while nothing waited) goes
 *   under the code sampled in the runs between the same two awaits, as above, rather than under
 *   the code sampled just after it: that may be where the run went on to, the next step's start
 *   (the sleep's `setTimeout` after a CPU step took 2.4 points of the step's collections).
 * - Next to a quiet sample, the thread took up or left the program's code somewhere in the gap,
 *   so a sample stands for the part from when the code first turned in it (or up to when it
 *   last turned), or half the gap when it did not turn; sampled while nothing waited, less the
 *   time the program waited (it may have turned several times). Charged the whole gap, a CPU
 *   step that follows a wait read up to 5 points high on a busy machine: V8 samples a running
 *   thread late there (the thread waits for a core, and the signal with it) and an idle one on
 *   time, so the gap before a step's first sample is long and mostly idle.
 * - Between two samples of the program's code with a turn surely between them, a sample taken
 *   while nothing waited stands for the gap less the time the program waited. Charged the whole
 *   gap, the CPU step after a wait whose only sample was the code resumed from it (V8 samples
 *   late on a busy machine) read up to 2.6 points high, and running + waiting 104%.
 * - Time the program's code ran where V8 took no sample at all (between two quiet samples) goes
 *   to the code sampled in the runs between the same two awaits, in proportion, or else to
 *   `(unsampled)`, with no stack: V8's sampler waits for a core too, and was measured to skip
 *   100 to 300 ms while a CPU step ran; left out, running + waiting fell to 96% of the window.
 *   Most such runs are the code between two awaits, shorter than V8's interval: as
 *   `(unsampled)`, the steps that await read 0.3 to 1.1 points low.
 * - A sample of a function of the program on none of its lines (V8 lost the frames inlined into
 *   it) in a run goes, with its count, to the code sampled in the runs between the same two
 *   awaits, as above; with none, it stays. See positionless.
 * - A sample stands for at most two of V8's intervals on either side of it: the runs of the
 *   program's code farther off in a longer gap (V8's sampler starved) are charged as the runs
 *   between the same two awaits were sampled, and with none, to the sample as before. One sample
 *   standing for a 280 ms gap is a poor guess: see REACH_INTERVALS.
 */
export function addV8Samples(builder: ProfileBuilder, v8: V8CpuProfile, options: V8SampleOptions): void {
  const { mapper, labels } = options;
  const byId = new Map(v8.nodes.map((node) => [node.id, node]));
  const parentOf = parentsOf(v8);

  const samples = v8.samples ?? [];
  const deltas = v8.timeDeltas ?? [];
  const isJavaScript = (id: number | undefined) => id !== undefined && !V8_STATES.has(byId.get(id)?.callFrame.functionName ?? IDLE);
  const { wall } = options;
  // In a wall profile, a function of the program whose samples V8 could place on no line: V8 lost
  // the frames inlined into it (see below). Such a sample tells only the outermost function.
  const positionlessIds = new Set(
    wall
      ? v8.nodes
          .filter((node) => isJavaScript(node.id) && !actsForItsCaller(node.callFrame.url) && !(node.positionTicks ?? []).some((tick) => tick.ticks > 0))
          .map((node) => node.id)
      : [],
  );
  const positionless = (id: number | undefined) => id !== undefined && positionlessIds.has(id);
  // JavaScript whose stack can host a collection and stand for a run's code.
  const knownCode = (id: number | undefined) => isJavaScript(id) && !positionless(id);
  // Totals by sampled node and, for a collection, by the node of the JavaScript it interrupted.
  // `call`: the sample ran inside the program's call of an API the async tracker hooks, and goes
  // to the calling function (see programsWorkOf).
  type SampleTotal = { id: number; host?: number; call?: boolean; sampleLabels?: Readonly<Record<string, string>>; count: number; micros: number };
  const totals = new Map<string, SampleTotal>();
  const collecting = (i: number) => byId.get(samples[i]!)?.callFrame.functionName === GC;
  // V8's own work with no stack: a collection, or `(program)` (compiling, its runtime).
  const stackless = (i: number) => collecting(i) || byId.get(samples[i]!)?.callFrame.functionName === PROGRAM;
  // Each sample's labels, read at its time; a collection's are those of the code it belongs to.
  const sampleTimes: number[] = [];
  for (let i = 0, time = v8.startTime; i < samples.length; i++) sampleTimes.push((time += deltas[i] ?? 0));
  const labelsOf = (i: number) => options.labelsAt?.(sampleTimes[i]!);
  const labelIds = new Map<Readonly<Record<string, string>> | undefined, number>();
  const programsOf = options.programOnly ? programsWorkOf(byId, parentOf) : (id: number) => id;
  const idle = (i: number) => byId.get(samples[i]!)?.callFrame.functionName === IDLE;
  // Whether a sampled stack is Node's alone, with no frame of the program (V8's states included).
  const runtimeOnlyById = new Map<number, boolean>();
  const runtimeOnly = (id: number): boolean => {
    let known = runtimeOnlyById.get(id);
    if (known === undefined) {
      const url = byId.get(id)?.callFrame.url ?? '';
      const parent = parentOf.get(id);
      known = isRuntimeFile(url) && (parent === undefined || runtimeOnly(parent));
      runtimeOnlyById.set(id, known);
    }
    return known;
  };
  const turned = (from: number, to: number) => wall?.firstTurn(sampleTimes[from]!, sampleTimes[to]!) !== undefined;
  // Whether a collection at sample `gc` and JavaScript at sample `js` ran in different runs of
  // the program's code. Sampled during a wait, the collection may have run after the run ended:
  // any turn between parts them. Sampled while nothing waited, it ran inside a run, and only a
  // turn surely between them, or a wait between (whose end was a turn), parts them: turns are
  // known to the quarter millisecond, and a sample next to one (the first of a run, or the
  // tracker's recording as a run ends) must not lose the collections of its own run.
  const apart = (gc: number, js: number) => {
    if (!wall || wall.waitingAt(sampleTimes[gc]!)) return turned(Math.min(gc, js), Math.max(gc, js));
    const [from, to] = [sampleTimes[Math.min(gc, js)]!, sampleTimes[Math.max(gc, js)]!];
    return wall.surelyTurned(from, to) || wall.waitedBetween(from, to) > 0;
  };
  // The runs of the program's code (see runAt) in which V8 sampled the program's JavaScript.
  const runsWithCode = new Set<string>();
  for (let i = 0; wall && i < samples.length; i++) {
    const run = knownCode(samples[i]) && programsOf(samples[i]!) !== undefined ? wall.runAt(sampleTimes[i]!) : undefined;
    if (run !== undefined) runsWithCode.add(run);
  }
  const likeRunsSampled = (i: number) => {
    const run = wall?.runAt(sampleTimes[i]!);
    return run !== undefined && runsWithCode.has(run);
  };
  // Where each collection belongs: the JavaScript sampled just before its run, or else just
  // after it, if that code was still running (see above); -1 for none. With none before, one in
  // a run like others in which V8 sampled code is left unhosted, to be charged as those were
  // sampled (below): the code sampled after it may be the run's last (the next step's start).
  const hostIndexes = new Int32Array(samples.length).fill(-1);
  for (let i = 0; i < samples.length; i++) {
    if (!collecting(i)) continue;
    if (i > 0 && collecting(i - 1)) {
      hostIndexes[i] = hostIndexes[i - 1]!;
      continue;
    }
    let after = i;
    while (after < samples.length && collecting(after)) after++;
    const before = i - 1;
    if (knownCode(samples[before]) && !apart(i, before)) hostIndexes[i] = before;
    else if (knownCode(samples[after]) && !apart(after - 1, after) && !likeRunsSampled(i)) hostIndexes[i] = after;
  }
  const stackOf = (i: number) => samples[hostIndexes[i]! >= 0 ? hostIndexes[i]! : i]!;
  // In a wall profile, samples in which the thread did not run the program's code: idle ones,
  // and while the program waits, Node's own work (undici reading a response, a collection
  // between callbacks), which is part of the wait and counted by it already.
  const quiet = (i: number) => idle(i) || (wall?.waitingAt(sampleTimes[i]!) === true && runtimeOnly(stackOf(i)));
  /**
   * The time sample i stands for: the interval that ended with it, or as a wall profile charges
   * it; and in a wall profile, the runs of the program's code in that time farther from it than
   * its reach (see REACH_INTERVALS), where V8's sampler was starved, each named (see runAt).
   */
  const charged = (i: number): { micros: number; beyondReach: { micros: number; run: string }[] } => {
    // The time after the last sample, to the profile's end, is the last sample's: the thread ran
    // on until the profile stopped. Left out, a CPU profile read 44% of a busy loop's window when
    // V8's sampler went without a core for its last 320 ms (Node 22, beside a browser's test).
    if (!wall) return { micros: Math.max(0, deltas[i] ?? 0) + (i === samples.length - 1 ? Math.max(0, v8.endTime - sampleTimes[i]!) : 0), beyondReach: [] };
    const within = (from: number, to: number) => Math.max(0, Math.min(to, wall.end) - Math.max(from, wall.start));
    const notWaited = (from: number, to: number) => Math.max(0, within(from, to) - wall.waitedBetween(Math.max(from, wall.start), Math.min(to, wall.end)));
    const previous = i === 0 ? v8.startTime : sampleTimes[i - 1]!;
    const time = sampleTimes[i]!;
    const next = sampleTimes[i + 1];
    // Next to a quiet sample, the thread took up (or left) the program's code inside the gap:
    // this sample stands for the part from when the code first turned in it (or up to when it
    // last turned), or for half the gap if the code did not turn. Sampled while nothing waited,
    // the code ran in that part only while it did not wait (it may have turned several times).
    const part = wall.waitingAt(time) ? within : notWaited;
    // Between two samples of the program's code, it may have left its run to wait: if it surely
    // turned, the time it waited is the wait's, counted by the wait already.
    const from = i > 0 && quiet(i - 1) ? (wall.firstTurn(previous, time) ?? (previous + time) / 2) : previous;
    let micros = i > 0 && (quiet(i - 1) || wall.surelyTurned(previous, time)) ? part(from, time) : within(previous, time);
    // After the last one, it ran to the end of the window: the program was running when it stopped the profile.
    let to = next === undefined ? Math.max(time, wall.end) : time;
    if (next !== undefined && quiet(i + 1)) micros += part(time, (to = wall.lastTurn(time, next) ?? (time + next) / 2));
    else if (next === undefined) micros += within(time, to);
    const reach = REACH_INTERVALS * wall.interval;
    const farOff: [number, number][] = [];
    if (time - from > reach) farOff.push([from, time - reach]);
    if (to - time > reach) farOff.push([time + reach, to]);
    const beyondReach: { micros: number; run: string }[] = [];
    for (const [start, end] of farOff) {
      for (const piece of wall.runsBetween(Math.max(start, wall.start), Math.min(end, wall.end))) {
        if (piece.run !== undefined && piece.end > piece.start) beyondReach.push({ micros: piece.end - piece.start, run: piece.run });
      }
    }
    return { micros, beyondReach };
  };
  // V8's work with no stack in runs with no JavaScript sampled, by the run (see runAt), and the
  // time of the program's code sampled in each run, by its total: both charged below.
  const unhostedByRun = new Map<string, Map<string, SampleTotal>>();
  const codeByRun = new Map<string, Map<string, number>>();
  // Runs in the part of a sample's time beyond its reach, with the key of the sample's total.
  const beyondReachRuns: { micros: number; run: string; key: string }[] = [];
  // Samples V8 could place on no line in a run (see positionless), with their total's key.
  const positionlessInRuns: { key: string; run: string; count: number; micros: number }[] = [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    if (wall && quiet(i)) continue;
    const hostIndex = hostIndexes[i]!;
    const host = hostIndex >= 0 ? samples[hostIndex] : undefined;
    const programs = programsOf(host ?? id);
    if (programs === undefined) continue;
    const call = programs !== (host ?? id);
    const inWindow = !wall || (sampleTimes[i]! >= wall.start && sampleTimes[i]! <= wall.end);
    const { micros: chargedMicros, beyondReach } = charged(i);
    if (!inWindow && chargedMicros === 0) continue;
    const sampleLabels = labelsOf(host !== undefined ? hostIndex : i);
    let labelId = labelIds.get(sampleLabels);
    if (labelId === undefined) labelIds.set(sampleLabels, (labelId = labelIds.size));
    const run = wall?.runAt(sampleTimes[i]!);
    if (run !== undefined && stackless(i) && host === undefined) {
      let unhosted = unhostedByRun.get(run);
      if (!unhosted) unhostedByRun.set(run, (unhosted = new Map()));
      const total = unhosted.get(`${id}|${labelId}`) ?? { id, sampleLabels, count: 0, micros: 0 };
      total.count += inWindow ? 1 : 0;
      total.micros += chargedMicros;
      unhosted.set(`${id}|${labelId}`, total);
      continue;
    }
    const key = call ? `call:${programs}|${labelId}` : `${collecting(i) && host !== undefined ? `${id}:${host}` : id}|${labelId}`;
    // The runs of the program's code beyond the sample's reach are charged below, as V8 sampled
    // the runs like them; the sample keeps the rest.
    let micros = chargedMicros;
    for (const far of beyondReach) {
      beyondReachRuns.push({ ...far, key });
      micros -= far.micros;
    }
    const total =
      totals.get(key) ??
      (call ? { id: programs, call, sampleLabels, count: 0, micros: 0 } : { id, host: collecting(i) ? host : undefined, sampleLabels, count: 0, micros: 0 });
    total.count += inWindow ? 1 : 0;
    total.micros += micros;
    totals.set(key, total);
    if (run !== undefined && positionless(id) && !call && host === undefined) positionlessInRuns.push({ key, run, count: inWindow ? 1 : 0, micros });
    if (run !== undefined && knownCode(host ?? id)) {
      let code = codeByRun.get(run);
      if (!code) codeByRun.set(run, (code = new Map()));
      code.set(key, (code.get(key) ?? 0) + micros);
    }
  }

  // The code sampled in each run, and its share of that run's sampled time, in a fixed order;
  // worked out once per run, as a long profile has thousands of unsampled runs.
  const shares = new Map<string, { total: SampleTotal; share: number }[]>();
  const codeOf = (run: string | undefined) => {
    if (run === undefined) return [];
    let known = shares.get(run);
    if (known) return known;
    const code = [...(codeByRun.get(run) ?? [])].filter(([, micros]) => micros > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sum = code.reduce((all, [, micros]) => all + micros, 0);
    known = code.map(([key, micros]) => ({ total: totals.get(key)!, share: micros / sum }));
    shares.set(run, known);
    return known;
  };
  // A run of the program's code in which V8 sampled only its own work (collections, `(program)`)
  // goes under the code V8 sampled in the runs between the same two awaits, in proportion to its
  // time there; with no such run, at the root. Left at the root, the collections of a CPU step
  // whose few samples all fell in them (a third of its time: hashing allocates) took 1 to 2
  // points from that step.
  for (const [run, unhosted] of unhostedByRun) {
    const code = codeOf(run);
    for (const [labelled, total] of unhosted) {
      if (code.length === 0) {
        const atRoot = totals.get(labelled) ?? { id: total.id, sampleLabels: total.sampleLabels, count: 0, micros: 0 };
        atRoot.count += total.count;
        atRoot.micros += total.micros;
        totals.set(labelled, atRoot);
        continue;
      }
      const counts = apportion(
        total.count,
        code.map(({ share }) => share),
      );
      // Under the code's stack with the code's labels, as a collection hosted by a sample is, so
      // that a sample's stack and labels tell of the same code: those current at the collection's
      // own time were another context's (none, between callbacks) in a labelled server's profile.
      code.forEach(({ total: hostTotal, share }, k) => {
        const host = hostTotal.host ?? hostTotal.id;
        const key = `${total.id}:${host}|${labelIds.get(hostTotal.sampleLabels)}`;
        const hosted = totals.get(key) ?? { id: total.id, host, sampleLabels: hostTotal.sampleLabels, count: 0, micros: 0 };
        hosted.count += counts[k]!;
        hosted.micros += total.micros * share;
        totals.set(key, hosted);
      });
    }
  }
  /**
   * Charges time of a run, and `count` samples, as V8 sampled the runs like it; false, charging
   * nothing, if it sampled none.
   */
  const chargeLikeRuns = (micros: number, run: string | undefined, count = 0): boolean => {
    const code = codeOf(run);
    const counts =
      count === 0
        ? undefined
        : apportion(
            count,
            code.map(({ share }) => share),
          );
    code.forEach(({ total, share }, k) => {
      total.count += counts?.[k] ?? 0;
      total.micros += micros * share;
    });
    return code.length > 0;
  };
  // A sample V8 placed on no line of the program's function goes, with its count, to the code
  // V8 sampled in the runs between the same two awaits (which it mostly is, inlined where V8 lost
  // it); with none, it stays. V8 loses the inlined frames of a sample taken inside some calls into
  // C++ (a CPU step spinning on performance.now()): 0.2 to 1.3% of the window, under the loop's
  // module function, taken from the step.
  for (const { key, run, count, micros } of positionlessInRuns) {
    if (!chargeLikeRuns(micros, run, count)) continue;
    const own = totals.get(key)!;
    own.count -= count;
    own.micros -= micros;
  }
  // Likewise the time the program's code ran where V8 took no sample at all: a run too short for
  // V8's interval (the code between two awaits), or one V8's sampler missed waiting for a core,
  // is charged as the runs between the same two awaits were sampled; with none, `(unsampled)`.
  let unsampledMicros = 0;
  if (wall) for (const { micros, run } of unsampledRunning(wall, sampleTimes, quiet)) if (!chargeLikeRuns(micros, run)) unsampledMicros += micros;
  // Likewise the runs in a long gap of V8's sampler, beyond the reach of the sample that ended
  // (or began) it; with no like run sampled, that sample stands for them, as for any gap.
  for (const { micros, run, key } of beyondReachRuns) if (!chargeLikeRuns(micros, run)) totals.get(key)!.micros += micros;

  // Walked up, not recursed into: a stack can be 100,000 frames deep. Memoised per node asked for.
  const frames = new Map<number, Frame>();
  const callers = new Map<number, Frame[]>();
  const callerStack = (id: number | undefined): Frame[] => {
    if (id === undefined) return [];
    let stack = callers.get(id);
    if (stack) return stack;
    stack = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const node = byId.get(at)!;
      if (node.callFrame.functionName === ROOT && !parentOf.has(at)) break;
      // A tool that calls the program's code (tsx's require hook running a CommonJS module, the
      // router calling the next handler) is glue between Node and the program: not shown.
      if (options.programOnly && isToolFile(node.callFrame.url)) continue;
      let frame = frames.get(at);
      if (!frame) frames.set(at, (frame = frameOf(node.callFrame, mapper)));
      stack.push(frame);
    }
    callers.set(id, stack);
    return stack;
  };
  const add = (stack: Frame[], values: number[], sampleLabels: Readonly<Record<string, string>> | undefined) =>
    builder.addSample(options.fromProgramRoot ? withoutRuntimeRoot(stack) : stack, values, sampleLabels ? { ...sampleLabels, ...labels } : labels);

  for (const total of [...totals.values()].sort((a, b) => a.id - b.id || Number(a.call ?? 0) - Number(b.call ?? 0) || (a.host ?? 0) - (b.host ?? 0))) {
    const node = byId.get(total.id);
    if (!node || node.callFrame.functionName === IDLE || (total.count === 0 && total.micros <= 0)) continue;
    const parents = total.host === undefined ? callerStack(parentOf.get(total.id)) : callerStack(total.host);
    const leaf = frameOf(node.callFrame, mapper);
    // A call's samples have no line of their own in the function (V8 keeps none for callers).
    const lines = total.call ? [] : (node.positionTicks ?? []).filter((tick) => tick.ticks > 0).sort((a, b) => a.line - b.line);
    if (lines.length === 0) {
      add([leaf, ...parents], [total.count, Math.round(total.micros * 1000)], total.sampleLabels);
      continue;
    }
    const weights = lines.map((tick) => tick.ticks);
    const counts = apportion(total.count, weights);
    const nanos = apportion(Math.round(total.micros * 1000), weights);
    lines.forEach((tick, i) => {
      // A tick on the declaration's own generated line maps through the declaration's exact
      // column: right for one-line functions, and honest (function level) for minified code.
      const line = tick.line === node.callFrame.lineNumber + 1 ? leaf.line : mapper.map(node.callFrame.url, tick.line, 0).line;
      add([{ ...leaf, line }, ...parents], [counts[i]!, nanos[i]!], total.sampleLabels);
    });
  }
  if (unsampledMicros > 0) add([{ name: UNSAMPLED, file: '', line: 0 }], [0, Math.round(unsampledMicros * 1000)], undefined);
}

/**
 * How many of V8's intervals of a wall profile's time a sample stands for at most, on either
 * side of it. Beyond that, in a gap where V8's sampler was starved (it waits for a core: with
 * Chromium busy beside it, it went a few hundred milliseconds without a sample while the program
 * ran several rounds of a loop), one sample's stack is a poor guess: a sample in which V8 lost
 * the frames (the loop's module function alone) was charged 278 ms, while the rounds' hashing,
 * 276 ms by the program's clock, read 0.76 of that. Twice the interval leaves a late sampler's
 * usual gaps to the sample.
 */
const REACH_INTERVALS = 2;

/** How finely the program's turns are known (ProgramTimeline), in V8's microseconds. */
const TURN_RESOLUTION_MICROS = 250;

/** The frame of running time V8 took no sample of: see unsampledRunning. */
const UNSAMPLED = '(unsampled)';

/**
 * How long the program's code ran, in a wall profile's window, where V8 took no sample of it:
 * between two quiet samples (or a quiet sample and the window's edge), from the first turn of
 * the code in that gap to the last, less the time the program waited. V8's sampler is a thread
 * that waits for a core like any other: on a busy machine it was measured to go 100 to 300 ms
 * without a sample while the program ran its CPU step, so whole steps went uncharged.
 */
function unsampledRunning(wall: WallCharging, sampleTimes: readonly number[], quiet: (i: number) => boolean): { micros: number; run?: string }[] {
  const unsampled: { micros: number; run?: string }[] = [];
  // The gap's start: the window's start, or a quiet sample's time; undefined after a sample of the program.
  let from: number | undefined = wall.start;
  const close = (to: number) => {
    if (from === undefined) return;
    const start = Math.max(from, wall.start);
    const end = Math.min(to, wall.end);
    if (end <= start) return;
    const first = wall.firstTurn(start, end);
    const last = wall.lastTurn(start, end);
    // Turns are known to the quarter millisecond: a first and last turn that close may be one
    // turn, which says the code ran, not for how long.
    if (first === undefined || last === undefined || last - first <= TURN_RESOLUTION_MICROS) return;
    for (const run of wall.runsBetween(first, last)) if (run.end > run.start) unsampled.push({ micros: run.end - run.start, run: run.run });
  };
  for (let i = 0; i < sampleTimes.length; i++) {
    const time = sampleTimes[i]!;
    if (time <= wall.start) continue;
    if (time >= wall.end) break;
    if (quiet(i)) {
      close(time);
      from = time;
    } else from = undefined;
  }
  close(wall.end);
  return unsampled;
}

/** Node's JavaScript (`node:` modules) and V8's builtins (no file), such as runMicrotasks. */
const isRuntime = (frame: Frame) => isRuntimeFile(frame.file);

/** Each node's parent in V8's tree of calls, by id (V8 lists only children). */
export function parentsOf(v8: Pick<V8CpuProfile, 'nodes'>): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const node of v8.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  return parentOf;
}

/**
 * Whose work a sampled node is, for a profile of the program only: the node itself; or, when it
 * ran inside the program's call of an API the async tracker hooks (the wrapper, the API's work
 * under it, the tracker's bookkeeping), the program's frame that made the call, where the
 * program paid for it; or undefined for the tools' own work: its nearest frame with a file of
 * its own (past Node's and V8's, which act for their caller) is a tool's, or the tracker's
 * outside any call of the program's. Left out instead, the calls' time went missing from wall
 * profiles: 1 to 2 points of a fetch step. Memoised per node.
 */
export function programsWorkOf(
  byId: ReadonlyMap<number, { callFrame: V8CallFrame }>,
  parentOf: ReadonlyMap<number, number>,
): (id: number) => number | undefined {
  const known = new Map<number, number | undefined>();
  return (id) => {
    if (known.has(id)) return known.get(id);
    let inCall = false;
    let verdict: number | undefined = id;
    for (let at: number | undefined = id; ; at = parentOf.get(at)) {
      if (at === undefined) {
        if (inCall) verdict = undefined;
        break;
      }
      const url = byId.get(at)?.callFrame.url ?? '';
      if (isAsyncTrackerFile(url)) inCall = true;
      else if (actsForItsCaller(url)) continue;
      else if (!isToolFile(url)) {
        if (inCall) verdict = at;
        break;
      } else if (!inCall) {
        verdict = undefined;
        break;
      }
    }
    known.set(id, verdict);
    return verdict;
  };
}

/** A leaf-first stack without the Node frames under its root-most program frame. */
function withoutRuntimeRoot(stack: Frame[]): Frame[] {
  let end = stack.length;
  while (end > 0 && isRuntime(stack[end - 1]!)) end--;
  return end === 0 || end === stack.length ? stack : stack.slice(0, end);
}

/** A frame for a V8 call frame; V8's positions are 0-based and -1 when unknown. */
export function frameOf(callFrame: V8CallFrame, mapper: SourceMapper): Frame {
  const name = callFrame.functionName || '(anonymous)';
  if (callFrame.lineNumber < 0) return { name, file: mapper.map(callFrame.url, 0, 0).file, line: 0 };
  const position = mapper.map(callFrame.url, callFrame.lineNumber + 1, callFrame.columnNumber + 1);
  return { name, file: position.file, line: position.line, functionLine: position.line };
}

/** Splits an integer total into integer parts proportional to weights (largest remainder). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((value, i) => [value - parts[i]!, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts;
}

/** The median gap between samples, for files that do not record the interval they used. */
function estimatePeriodNanos(deltas: readonly number[]): number {
  const positive = deltas.filter((d) => d > 0).sort((a, b) => a - b);
  if (positive.length === 0) return 0;
  return Math.round(positive[positive.length >> 1]! * 1000);
}

/**
 * The profile from `startMicros` on (V8's clock: the monotonic one process.hrtime reads): the
 * samples taken before it go, and the first one after is charged only its time after it. V8's
 * profile starts before `Profiler.start` returns, and those first milliseconds are the
 * profiler's own.
 */
export function fromTime(v8: V8CpuProfile, startMicros: number): V8CpuProfile {
  const samples = v8.samples ?? [];
  const deltas = v8.timeDeltas ?? [];
  if (startMicros <= v8.startTime) return v8;
  const kept: number[] = [];
  const keptDeltas: number[] = [];
  let time = v8.startTime;
  let previous = startMicros;
  for (let i = 0; i < samples.length; i++) {
    time += deltas[i] ?? 0;
    if (time <= startMicros) continue;
    kept.push(samples[i]!);
    keptDeltas.push(time - previous);
    previous = time;
  }
  return { ...v8, startTime: startMicros, endTime: Math.max(v8.endTime, startMicros), samples: kept, timeDeltas: keptDeltas };
}

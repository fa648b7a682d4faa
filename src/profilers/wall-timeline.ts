import { partitionPoint } from '../pprof/search.ts';
import type { WallCharging } from './v8-cpu-profile.ts';

/**
 * What a wall profile knows of the program's own time, besides V8's samples: when its waits
 * were in flight, and when its code turned (a synchronous run that started a wait ended, or a
 * wait ended and the code awaiting it resumed). Times are performance.now() milliseconds.
 *
 * Memory follows time coarsely, not the number of operations: one bit per quarter millisecond
 * of the window for the turns (1.8 MB an hour), and four numbers per stretch of the window in
 * which a wait was in flight (its times, and where the waits that opened and closed it were
 * awaited).
 */
/** The resolution of turn times. */
const TICKS_PER_MS = 4;

export class ProgramTimeline {
  readonly #start: number;
  #turns = new Uint8Array(1024);
  /** Disjoint, sorted stretches in which at least one wait was in flight. */
  readonly #waitStarts: number[] = [];
  readonly #waitEnds: number[] = [];
  /** Where in the program the wait that opened (or closed) each stretch was awaited: see wait(). */
  readonly #startSites: number[] = [];
  readonly #endSites: number[] = [];

  constructor(start: number) {
    this.#start = start;
  }

  #tick(time: number): number {
    return Math.floor((time - this.#start) * TICKS_PER_MS);
  }

  #turnedIn(tick: number): boolean {
    return (this.#turns[tick >> 3]! & (1 << (tick & 7))) !== 0;
  }

  /** The code turned at `time`. */
  turn(time: number): void {
    const tick = this.#tick(time);
    if (tick < 0) return;
    if (tick >> 3 >= this.#turns.length) {
      const grown = new Uint8Array(Math.max(this.#turns.length * 2, (tick >> 3) + 1));
      grown.set(this.#turns);
      this.#turns = grown;
    }
    this.#turns[tick >> 3]! |= 1 << (tick & 7);
  }

  /** About when the code first turned from `from` to `to` (to the quarter millisecond, not before `from`), if it did. */
  firstTurn(from: number, to: number): number | undefined {
    const last = Math.min(this.#tick(to), this.#turns.length * 8 - 1);
    for (let tick = Math.max(0, this.#tick(from)); tick <= last; tick++) {
      if (this.#turnedIn(tick)) return Math.max(from, this.#start + tick / TICKS_PER_MS);
    }
    return undefined;
  }

  /**
   * Whether the code surely turned between `from` and `to`: in a quarter millisecond after that
   * of `from` and before that of `to`. A turn in the same quarter as either time may be on either
   * side of it.
   */
  surelyTurned(from: number, to: number): boolean {
    const last = Math.min(this.#tick(to) - 1, this.#turns.length * 8 - 1);
    for (let tick = Math.max(0, this.#tick(from) + 1); tick <= last; tick++) if (this.#turnedIn(tick)) return true;
    return false;
  }

  /** About when the code last turned from `from` to `to` (not after `to`), if it did. */
  lastTurn(from: number, to: number): number | undefined {
    const first = Math.max(0, this.#tick(from));
    for (let tick = Math.min(this.#tick(to), this.#turns.length * 8 - 1); tick >= first; tick--) {
      if (this.#turnedIn(tick)) return Math.min(to, this.#start + (tick + 1) / TICKS_PER_MS);
    }
    return undefined;
  }

  /**
   * A wait was in flight from `start` to `end`, awaited at `site` (a number the caller gives
   * each place in the program, or -1 for none). Waits mostly end in time order, so merging
   * starts at the latest stretch.
   */
  wait(start: number, end: number, site = -1): void {
    if (!(end > start)) return;
    const starts = this.#waitStarts;
    const ends = this.#waitEnds;
    // The stretches it touches are the last ones whose end reaches its start; it goes after those that end before.
    let first = starts.length;
    while (first > 0 && ends[first - 1]! >= start) first--;
    let last = first;
    while (last < starts.length && starts[last]! <= end) last++;
    let [mergedStart, startSite, mergedEnd, endSite] = [start, site, end, site];
    if (last > first) {
      if (starts[first]! < start) [mergedStart, startSite] = [starts[first]!, this.#startSites[first]!];
      if (ends[last - 1]! > end) [mergedEnd, endSite] = [ends[last - 1]!, this.#endSites[last - 1]!];
    }
    starts.splice(first, last - first, mergedStart);
    ends.splice(first, last - first, mergedEnd);
    this.#startSites.splice(first, last - first, startSite);
    this.#endSites.splice(first, last - first, endSite);
  }

  /**
   * The run of code that `time` fell in while no wait was in flight, named by where the program
   * awaited the wait that ended just before it and the one that began just after it (as
   * `before>after`): runs between the same two awaits run the same code. Undefined during a
   * wait, and for a run that an edge of the window or a wait with no site bounds.
   */
  runAt(time: number): string | undefined {
    // The first stretch that starts after `time`: the run lies between it and the one before.
    const next = partitionPoint(this.#waitStarts.length, (i) => this.#waitStarts[i]! <= time);
    if (next > 0 && this.#waitEnds[next - 1]! >= time) return undefined;
    return this.#runBefore(next);
  }

  /** The parts of `from` to `to` in which no wait was in flight, each with its run's name (see runAt). */
  runsBetween(from: number, to: number): { start: number; end: number; run?: string }[] {
    const runs: { start: number; end: number; run?: string }[] = [];
    const starts = this.#waitStarts;
    let next = partitionPoint(starts.length, (i) => this.#waitEnds[i]! <= from);
    for (let at = from; at < to; ) {
      if (next < starts.length && starts[next]! <= at) {
        at = this.#waitEnds[next++]!;
        continue;
      }
      const end = Math.min(to, next < starts.length ? starts[next]! : to);
      runs.push({ start: at, end, run: this.#runBefore(next) });
      at = end;
    }
    return runs;
  }

  /** The name of the run between stretch `next - 1` and stretch `next`, if both are there and were awaited somewhere. */
  #runBefore(next: number): string | undefined {
    if (next === 0 || next === this.#waitStarts.length) return undefined;
    const [before, after] = [this.#endSites[next - 1]!, this.#startSites[next]!];
    return before < 0 || after < 0 ? undefined : `${before}>${after}`;
  }

  /** How long waits were in flight from `from` to `to`. */
  waitedBetween(from: number, to: number): number {
    // The first stretch that ends after `from`.
    const low = partitionPoint(this.#waitStarts.length, (i) => this.#waitEnds[i]! <= from);
    let waited = 0;
    for (let i = low; i < this.#waitStarts.length && this.#waitStarts[i]! < to; i++) {
      waited += Math.min(to, this.#waitEnds[i]!) - Math.max(from, this.#waitStarts[i]!);
    }
    return waited;
  }

  /** Whether a wait was in flight at `time`. */
  waitingAt(time: number): boolean {
    // The first stretch that ends at or after `time` holds it if it starts by then.
    const first = partitionPoint(this.#waitStarts.length, (i) => this.#waitEnds[i]! < time);
    return first < this.#waitStarts.length && this.#waitStarts[first]! <= time;
  }
}

/**
 * The timeline as addV8Samples reads it, in V8's microseconds: `offsetMs` is how far V8's
 * clock (in milliseconds) is ahead of performance.now(). The window is in performance.now()
 * milliseconds, the interval V8's, in microseconds.
 */
export function wallCharging(timeline: ProgramTimeline, window: { startMs: number; endMs: number; intervalMicros: number; offsetMs: number }): WallCharging {
  const { offsetMs } = window;
  const v8Time = (ms: number) => (ms + offsetMs) * 1000;
  const perfTime = (micros: number) => micros / 1000 - offsetMs;
  const v8TimeOf = (ms: number | undefined) => (ms === undefined ? undefined : v8Time(ms));
  return {
    start: v8Time(window.startMs),
    end: v8Time(window.endMs),
    interval: window.intervalMicros,
    firstTurn: (from, to) => v8TimeOf(timeline.firstTurn(perfTime(from), perfTime(to))),
    lastTurn: (from, to) => v8TimeOf(timeline.lastTurn(perfTime(from), perfTime(to))),
    surelyTurned: (from, to) => timeline.surelyTurned(perfTime(from), perfTime(to)),
    waitingAt: (time) => timeline.waitingAt(perfTime(time)),
    waitedBetween: (from, to) => timeline.waitedBetween(perfTime(from), perfTime(to)) * 1000,
    runAt: (time) => timeline.runAt(perfTime(time)),
    runsBetween: (from, to) =>
      timeline.runsBetween(perfTime(from), perfTime(to)).map(({ start, end, run }) => ({ start: v8Time(start), end: v8Time(end), run })),
  };
}

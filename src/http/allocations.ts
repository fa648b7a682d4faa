import type { Profile } from '../pprof/index.ts';
import { untracked } from '../profilers/async/wrap.ts';
import { startAllocationProfile, stopAllocationProfile } from '../profilers/heap.ts';
import { mergeProfiles, negated } from '../report/merge.ts';

/** How often V8's samples are folded into the running total, so V8 never holds many. */
const FOLD_MS = 10_000;

/**
 * Every sampled allocation since it was created, including what the GC has collected since:
 * V8's allocation sampler runs throughout, and every ten seconds its samples are folded into a
 * total by stack and the sampler restarted, so memory follows the distinct stacks, not the time
 * the process has run or what it allocated.
 */
export class AllocationHistory {
  #total: Profile | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor() {
    startAllocationProfile();
    this.#timer = untracked(() => setInterval(() => this.#fold(), FOLD_MS)).unref();
  }

  /** alloc_space and alloc_objects since the history began. */
  total(): Profile {
    this.#fold();
    return mergeProfiles([this.#total!]);
  }

  /** What was allocated between an earlier total and now. */
  since(earlier: Profile): Profile {
    const now = this.total();
    const delta = mergeProfiles([now, negated(mergeProfiles([earlier]))]);
    // Both totals start when the history did: the window runs from the earlier one's end to now.
    delta.timeNanos = earlier.timeNanos + BigInt(earlier.durationNanos);
    delta.durationNanos = now.durationNanos - earlier.durationNanos;
    return delta;
  }

  stop(): void {
    clearInterval(this.#timer);
    stopAllocationProfile();
  }

  #fold(): void {
    const window = stopAllocationProfile();
    startAllocationProfile();
    this.#total = this.#total ? mergeProfiles([this.#total, window]) : mergeProfiles([window]);
  }
}

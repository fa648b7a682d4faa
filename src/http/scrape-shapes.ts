/**
 * Our profiles in the shapes that continuous profilers scraping Go's paths expect (Grafana
 * Alloy and Parca, by default: profile, allocs as memory, goroutine; fgprof's /debug/fgprof),
 * each saying in its comment what it holds where that differs from Go's.
 */
import type { Profile } from '../pprof/index.ts';

/** What /allocs serves when the router samples the heap in use, said in the profile itself. */
export const IN_USE_AS_ALLOCS =
  "allocs: the heap in use (inuse_space, inuse_objects), not every allocation: this router samples the heap in use and V8 has one heap sampler; create it with heapSampling: 'allocs' to record allocations, garbage included";

/** Adds a comment to the profile (in place) and returns it. */
export function withComment(profile: Profile, comment: string): Profile {
  profile.comments = [...profile.comments, comment];
  return profile;
}

/** Renames sample or period types (in place), keeping their units: `{ wall: 'time' }`. */
function renameTypes(profile: Profile, names: Record<string, string>): void {
  for (const valueType of [...profile.sampleTypes, ...(profile.periodType ? [profile.periodType] : [])]) {
    const renamed = names[valueType.type];
    if (renamed !== undefined) valueType.type = renamed;
  }
  const defaultName = names[profile.defaultSampleType];
  if (defaultName !== undefined) profile.defaultSampleType = defaultName;
}

/**
 * The async operations in flight under the name Go's tools give goroutines: goroutine/count,
 * one per operation, as Go counts one per goroutine, which Node does not have.
 */
export function asGoroutines(profile: Profile): Profile {
  renameTypes(profile, { ops: 'goroutine' });
  profile.periodType = { type: 'goroutine', unit: 'count' };
  profile.period = 1;
  return withComment(
    profile,
    'goroutine: Node has no goroutines; each one counted is an async operation in flight (a timer, a request, a file read...), on the stack that started it',
  );
}

/**
 * The wall profile as fgprof writes its own: sample types samples/count and time/nanoseconds,
 * period type wallclock. Our time is measured to the nanosecond, not counted in samples times
 * the period as fgprof's is; the samples are ticks of the same clock.
 */
export function asFgprof(profile: Profile): Profile {
  renameTypes(profile, { wall: 'time' });
  if (profile.periodType) profile.periodType.type = 'wallclock';
  return profile;
}

import type { Location, Profile } from '../pprof/index.ts';
import { locationFrameNames } from './flamegraph.ts';

/**
 * Folded stacks, the text flamegraph.pl, speedscope and inferno read: one line per distinct
 * stack, function names from root to leaf joined by `;`, a space, and the stack's total for one
 * sample type. Lines are sorted, so one profile always folds to the same text; stacks that add
 * up to zero are left out. Frames are named by function, as those tools expect, unless
 * `frameNames` names them otherwise (by line or file: graph.ts's stackFrameNames); a `;` or a
 * line break inside a name (a URL in a wait's name can hold one) becomes a space, so it cannot
 * split a frame or a line.
 *
 * `sampleIndex` picks the sample type; by default the profile's default one, else the last, as
 * pprof readers choose.
 */
export function foldedStacks(
  profile: Profile,
  sampleIndex = defaultSampleIndex(profile),
  frameNames: ReadonlyMap<Location, readonly string[]> = locationFrameNames(profile),
): string {
  if (!Number.isInteger(sampleIndex) || sampleIndex < 0 || sampleIndex >= profile.sampleTypes.length) {
    throw new RangeError(
      `sample index ${sampleIndex} is out of range: the profile has ${profile.sampleTypes.length} sample types (0 to ${profile.sampleTypes.length - 1})`,
    );
  }
  const locationNames = new Map<Location, string>();
  for (const [location, names] of frameNames) locationNames.set(location, names.map((name) => name.replace(/[;\r\n]+/g, ' ')).join(';'));
  const totals = new Map<string, number>();
  for (const sample of profile.samples) {
    const value = sample.values[sampleIndex] ?? 0;
    if (value === 0) continue;
    const stack = sample.locations
      .map((location) => locationNames.get(location) ?? '?')
      .reverse()
      .join(';');
    totals.set(stack, (totals.get(stack) ?? 0) + value);
  }
  return [...totals]
    .filter(([, value]) => value !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stack, value]) => `${stack} ${value}\n`)
    .join('');
}

/** The sample type a reader shows unless told otherwise: the profile's default, else the last. */
export function defaultSampleIndex(profile: Profile): number {
  const name = profile.defaultSampleType;
  const index = name ? profile.sampleTypes.findIndex((type) => type.type === name) : -1;
  return index >= 0 ? index : profile.sampleTypes.length - 1;
}

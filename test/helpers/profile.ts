import { readFileSync } from 'node:fs';
import { ProfileBuilder, decodeProfile, type Profile, type ProfileHeader } from '../../src/pprof/index.ts';

export const readProfile = (path: string): Profile => decodeProfile(readFileSync(path));

export const sampleTypeNames = (profile: Profile) => profile.sampleTypes.map((t) => `${t.type}/${t.unit}`);

/** Leaf-first stacks of a profile as frames "name file:line", with each sample's values. */
export function stacks(profile: Profile): { frames: string[]; values: number[] }[] {
  return profile.samples.map((sample) => ({
    values: [...sample.values],
    frames: sample.locations.map((location) => {
      const line = location.lines[0]!;
      return `${line.function.name} ${line.function.filename}:${line.line}`;
    }),
  }));
}

/** Flat (self) value per function name for one sample type, largest first. */
export function flatByFunction(profile: Profile, sampleType: number): [string, number][] {
  const totals = new Map<string, number>();
  for (const { frames, values } of stacks(profile)) {
    const name = frames[0]!.split(' ')[0]!;
    totals.set(name, (totals.get(name) ?? 0) + values[sampleType]!);
  }
  return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** Flat (self) value per function and its file, largest first: tells Node's own `node:` rows apart. */
export function flatByFrame(profile: Profile, sampleType: number): [name: string, file: string, value: number][] {
  const totals = new Map<string, number>();
  for (const { frames, values } of stacks(profile)) {
    const key = frames[0]!.replace(/:\d+$/, '');
    totals.set(key, (totals.get(key) ?? 0) + values[sampleType]!);
  }
  return [...totals]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([key, value]) => [key.slice(0, key.indexOf(' ')), key.slice(key.indexOf(' ') + 1), value]);
}

/** The 1-based line of the first line of a file containing `text`, so tests name no line numbers. */
export function lineOf(file: string, text: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`${text} not found in ${file}`);
  return index + 1;
}

/** Like stacks, with each sample's string labels. */
export function labelledStacks(profile: Profile): { frames: string[]; values: number[]; labels: Record<string, string> }[] {
  return stacks(profile).map((sample, i) => ({
    ...sample,
    labels: Object.fromEntries(profile.samples[i]!.labels.map((label) => [label.key, label.str])),
  }));
}

/** The value (one sample type) of every sample whose stack contains a function named `name`. */
export function cumulative(profile: Profile, sampleType: number, name: string): number {
  return stacks(profile)
    .filter(({ frames }) => frames.some((frame) => frame.split(' ')[0] === name))
    .reduce((sum, { values }) => sum + values[sampleType]!, 0);
}

/** Wall nanoseconds of a wall profile, of one state (running, waiting) or in all. */
export function wallNanos(profile: Profile, state?: string): number {
  return labelledStacks(profile)
    .filter(({ labels }) => !state || labels.state === state)
    .reduce((sum, { values }) => sum + values[1]!, 0);
}

/** The waiting samples of a wall profile. */
export const waitingStacks = (profile: Profile) => labelledStacks(profile).filter(({ labels }) => labels.state === 'waiting');

/** A builder for a CPU-shaped profile: samples/count and cpu/nanoseconds, 10 ms period, a 2 s window. */
export function cpuShapedBuilder(header: Partial<ProfileHeader> = {}): ProfileBuilder {
  return new ProfileBuilder({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: 10_000_000,
    durationNanos: 2_000_000_000,
    ...header,
  });
}

/** The rows of a -top text: [flat, cum, name]. */
export const topTextRows = (text: string) =>
  text
    .split('\n')
    .filter((line) => /^\s*-?[\d.]+\w*\s+[\d.]+%/.test(line))
    .map((line) => {
      const [flat, , , cum, , ...name] = line.trim().split(/\s+/);
      return [flat, cum, name.join(' ')];
    });

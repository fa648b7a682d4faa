import { readFileSync } from 'node:fs';
import type { Profile } from 'pprof-format';
import { ProfileFormatError, decodeProfile, encodeProfile } from '../pprof/index.ts';
import { convertNodeProfile } from '../profilers/convert.ts';
import { simplifyFunctionNames } from '../report/names.ts';
import { FilterError, activeFilters, applyFilters, type Filters } from '../report/filter.ts';
import { defaultSampleIndex, foldedStacks } from '../report/folded.ts';
import { NoMatchError, listReport } from '../report/list.ts';
import { BASE_LABEL, IncompatibleProfilesError, mergeProfiles, negated } from '../report/merge.ts';
import { rawReport } from '../report/raw.ts';
import { flameGraphSvg } from '../report/svg.ts';
import { sampleTotal, topReport } from '../report/top.ts';
import { tracesReport } from '../report/traces.ts';
import { treeReport } from '../report/tree.ts';
import { fetchProfile, isUrl } from './pprof-fetch.ts';

export const REPORTS = ['top', 'traces', 'list', 'peek', 'tree', 'raw', 'folded', 'svg', 'proto'] as const;
export type Report = (typeof REPORTS)[number];
/** Reports that take a regular expression: -list REGEX, -peek REGEX. */
export const REPORTS_WITH_REGEX: readonly Report[] = ['list', 'peek'];

/** What the person asked for wrongly: an option, a value, a missing argument. */
export class UsageError extends Error {}

/** Errors that are the input's fault, told in one line; anything else is a bug. */
export const isInputError = (error: unknown): error is Error =>
  error instanceof UsageError || error instanceof ProfileFormatError || error instanceof IncompatibleProfilesError || error instanceof FilterError || error instanceof NoMatchError;

/** How reports are drawn: the command line's options, and the interactive mode's settings. */
export interface Settings {
  sampleIndex?: string;
  nodeCount?: number;
  cum: boolean;
  filters: Filters;
}

/** A pprof file (gzipped or not) or a Node .cpuprofile/.heapprofile, as a pprof Profile. */
export function readSource(path: string): Profile {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ProfileFormatError(code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path} is a directory, not a profile` : `${path}: ${(error as Error).message}`);
  }
  if (/\.(cpuprofile|heapprofile)$/.test(path)) return convertNodeProfile(path);
  try {
    return decodeProfile(data);
  } catch (error) {
    throw new ProfileFormatError(`${path}: ${(error as Error).message}`);
  }
}

/**
 * The sources (files, or /debug/pprof URLs) as one profile, merged even when there is one, as go
 * tool pprof does. `seconds` is added to URLs; `log` tells the person what the fetching does.
 */
export async function readSources(sources: readonly string[], seconds: number | undefined, log: (line: string) => void, base?: Base): Promise<Profile> {
  const read = async (paths: readonly string[]) => {
    const profiles: Profile[] = [];
    for (const path of paths) profiles.push(isUrl(path) ? await fetchProfile(path, seconds, log) : readSource(path));
    return mergeProfiles(profiles);
  };
  const profile = await read(sources);
  const whole = base ? mergeProfiles([profile, negated(await read([base.path]), { markAsBase: base.diff })]) : profile;
  simplifyFunctionNames(whole);
  return whole;
}

/**
 * A profile to compare with: -base subtracts it, and percentages are of what is left; -diff_base
 * subtracts it too, and percentages are of the base, as go tool pprof does both.
 */
export interface Base {
  path: string;
  diff: boolean;
}

/**
 * What a report's percentages are of: the sum of the sample type's values (as magnitudes), or,
 * against a -diff_base, the base's own sum.
 */
export function reportTotal(profile: Profile, sampleIndex: number): number {
  const key = profile.stringTable.strings.indexOf(BASE_LABEL);
  const isBase = (sample: Profile['sample'][number]) => key > 0 && sample.label.some((label) => Number(label.key) === key);
  const base = profile.sample.filter(isBase).reduce((sum, sample) => sum + Math.abs(Number(sample.value[sampleIndex] ?? 0)), 0);
  return base > 0 ? base : sampleTotal(profile, sampleIndex);
}

/** The sample type named or numbered by -sample_index, else the profile's default. */
export function sampleIndexOf(profile: Profile, requested: string | undefined): number {
  const names = profile.sampleType.map((type) => profile.stringTable.strings[Number(type.type)] ?? '');
  if (names.length === 0) throw new ProfileFormatError('the profile has no sample types');
  if (requested === undefined) return defaultSampleIndex(profile);
  const byName = names.indexOf(requested);
  if (byName >= 0) return byName;
  const byNumber = Number(requested);
  if (/^\d+$/.test(requested) && byNumber < names.length) return byNumber;
  throw new UsageError(`sample_index=${requested} is not in this profile: use one of ${names.join(', ')} (or 0 to ${names.length - 1})`);
}

/**
 * One report of `source`, which is left as it is (filters work on a copy). `notes` receives what
 * the person should know that is not the report (a tag filter read as a range). `compact`
 * leaves out the profile's own header lines, as the interactive mode does after its first.
 */
export function runReport(
  source: Profile,
  report: Report,
  symbol: RegExp | undefined,
  settings: Settings,
  options: { compact?: boolean; notes?: (line: string) => void } = {},
): string | Uint8Array {
  const profile = mergeProfiles([source]);
  const sampleIndex = sampleIndexOf(profile, settings.sampleIndex);
  const total = reportTotal(profile, sampleIndex);
  for (const note of applyFilters(profile, settings.filters)) options.notes?.(note);
  const filters = activeFilters(settings.filters);
  const { cum, nodeCount } = settings;
  const { compact } = options;
  const reports: Record<Report, () => string | Uint8Array> = {
    top: () => topReport(profile, { sampleIndex, nodeCount, cum, activeFilters: filters, total, compact }),
    traces: () => tracesReport(profile, sampleIndex, { total }),
    list: () => listReport(profile, sampleIndex, symbol!, { total }),
    peek: () => treeReport(profile, { sampleIndex, symbol, cum, activeFilters: filters, total, compact }),
    tree: () => treeReport(profile, { sampleIndex, nodeCount, cum, activeFilters: filters, total, compact }),
    raw: () => rawReport(profile),
    folded: () => foldedStacks(profile, sampleIndex),
    svg: () => flameGraphSvg(profile, sampleIndex),
    proto: () => encodeProfile(profile),
  };
  return reports[report]();
}

/** A regular expression from the person, or a UsageError saying what is wrong with it. */
export function regexOption(name: string, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new UsageError(`${name}=${source} is not a regular expression: ${(error as Error).message}`);
  }
}

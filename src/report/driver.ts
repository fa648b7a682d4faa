import { ProfileFormatError, encodeProfile, type Profile, type Sample } from '../pprof/index.ts';
import { FILTER_NAMES, FilterError, activeFilters, applyFilters, compileFilters, compiledFrom, type CompiledFilters, type Filters } from './filter.ts';
import { defaultSampleIndex, foldedStacks } from './folded.ts';
import { GRANULARITIES, stackFrameNames, type Granularity } from './graph.ts';
import { NoMatchError, listReport } from './list.ts';
import { compilePattern } from './pattern.ts';
import { BASE_LABEL, IncompatibleProfilesError } from './merge.ts';
import { rawReport } from './raw.ts';
import { tagsReport } from './tags.ts';
import { callgrindReport } from './callgrind.ts';
import { dotReport } from './dot.ts';
import { GraphvizError, drawWithGraphviz } from './graphviz.ts';
import { flameGraphSvg } from './svg.ts';
import { sampleTotal, topReport } from './top.ts';
import { tracesReport } from './traces.ts';
import { treeReport } from './tree.ts';

/**
 * The report driver: which report, of which sample type, against which total, with which
 * filters. The command line, its interactive prompt and the web UI all draw through it.
 */

export const REPORTS = [
  'top',
  'traces',
  'tags',
  'list',
  'peek',
  'tree',
  'dot',
  'svg',
  'pdf',
  'png',
  'gif',
  'ps',
  'callgrind',
  'raw',
  'folded',
  'flamegraph',
  'proto',
] as const;
export type Report = (typeof REPORTS)[number];
/** Other names of reports, as go tool pprof takes them: -text is -top. */
export const REPORT_ALIASES: Readonly<Record<string, Report>> = { text: 'top' };
/** The report a name (or an alias) stands for, if any. */
export const reportNamed = (name: string): Report | undefined =>
  (REPORTS as readonly string[]).includes(name) ? (name as Report) : Object.hasOwn(REPORT_ALIASES, name) ? REPORT_ALIASES[name] : undefined;
/**
 * Reports whose text is made of sums of samples by what their frames say (names, files, lines,
 * addresses) and nothing else: not record ids, not their order, not how samples are split. They
 * can read a single profile unmerged (see aloneForSums in merge.ts); -raw, -traces and -proto
 * show the records and samples themselves, and need the merge go tool pprof makes.
 */
export const SUMMING_REPORTS: ReadonlySet<Report> = new Set<Report>([
  'top',
  'tags',
  'list',
  'peek',
  'tree',
  'dot',
  'svg',
  'pdf',
  'png',
  'gif',
  'ps',
  'callgrind',
  'folded',
  'flamegraph',
]);
/** Reports that take a regular expression: -list REGEX, -peek REGEX. */
export const REPORTS_WITH_REGEX: readonly Report[] = ['list', 'peek'];

/** What the person asked for wrongly: an option, a value, a missing argument. */
export class UsageError extends Error {}

/** A profile could not be had from where it was said to be: a file not there, a server that did not answer. */
export class SourceError extends Error {}

/** Errors that are the input's fault, told in one line; anything else is a bug. */
export const isInputError = (error: unknown): error is Error =>
  error instanceof UsageError ||
  error instanceof SourceError ||
  error instanceof ProfileFormatError ||
  error instanceof IncompatibleProfilesError ||
  error instanceof FilterError ||
  error instanceof GraphvizError ||
  error instanceof NoMatchError;

/** How reports are drawn: the command line's options, and the interactive mode's settings. */
export interface Settings {
  sampleIndex?: string;
  nodeCount?: number;
  /** Shares of the total below which -top and -tree leave a node, or a call, out. */
  nodeFraction?: number;
  edgeFraction?: number;
  /** What a node of -top, -tree, -peek and a frame of -traces stands for; functions unless set. */
  granularity?: Granularity;
  /** The unit values print in: "minimum" unless set (one for the report), "auto" (one per value), or a unit (ms, MB). */
  unit?: string;
  /** Where -list looks for source files (directories joined by ':'), and prefixes cut from the file names profiles hold. */
  sourcePath?: string;
  trimPath?: string;
  cum: boolean;
  /** -call_tree: the call graph (-dot and the images drawn from it) as a tree, a node per calling context. */
  callTree?: boolean;
  filters: Filters;
}

/** The report settings the command line (`-name=value`) and the prompt (`name=value`) share, by Go's names. */
export const SETTING_NAMES = [
  'sample_index',
  'nodecount',
  'nodefraction',
  'edgefraction',
  'cum',
  'call_tree',
  'granularity',
  ...GRANULARITIES,
  'unit',
  'source_path',
  'trim_path',
  ...FILTER_NAMES,
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];
export const isSettingName = (name: string): name is SettingName => (SETTING_NAMES as readonly string[]).includes(name);
/** Settings that are on when named alone (`-cum`, `-lines`), as go tool pprof's boolean flags. */
export const isSwitch = (name: string): boolean => name === 'cum' || name === 'call_tree' || isGranularity(name);
const isGranularity = (name: string): name is Granularity => (GRANULARITIES as readonly string[]).includes(name);

/**
 * Sets one report setting from its text, as both the command line and the prompt take it: an
 * empty value clears it, and `cum` alone (or `cum=true`) turns cum on. `spelled` is the name
 * as the person wrote it, for the error a bad value gets.
 */
export function applySetting(settings: Settings, name: SettingName, value: string, spelled: string = name): void {
  if (name === 'cum') settings.cum = value === '' || value === 'true';
  else if (name === 'call_tree') {
    if (value === '' || value === 'true') settings.callTree = true;
    else if (value === 'false') delete settings.callTree;
    else throw new UsageError(`${spelled} is on or off (true or false), got ${value}`);
  } else if (isGranularity(name)) {
    // `lines` alone or `lines=true` sets it; `lines=false` undoes it, back to the default.
    if (value === '' || value === 'true') settings.granularity = name;
    else if (value === 'false') {
      if (settings.granularity === name) delete settings.granularity;
    } else throw new UsageError(`${spelled} is on or off (true or false), got ${value}`);
  } else if (name === 'granularity') {
    if (value === '') delete settings.granularity;
    else if (isGranularity(value)) settings.granularity = value;
    else throw new UsageError(`${spelled} must be one of ${GRANULARITIES.join(', ')}, got ${value}`);
  } else if (name === 'source_path' || name === 'trim_path') {
    const key = name === 'source_path' ? 'sourcePath' : 'trimPath';
    if (value === '') delete settings[key];
    else settings[key] = value;
  } else if (name === 'unit') {
    if (value === '') delete settings.unit;
    else settings.unit = value;
  } else if (name === 'sample_index') {
    if (value === '') delete settings.sampleIndex;
    else settings.sampleIndex = value;
  } else if (name === 'nodecount') {
    if (value === '') delete settings.nodeCount;
    else settings.nodeCount = nodeCountOption(spelled, value);
  } else if (name === 'nodefraction' || name === 'edgefraction') {
    const key = name === 'nodefraction' ? 'nodeFraction' : 'edgeFraction';
    if (value === '') delete settings[key];
    else settings[key] = fractionOption(spelled, value);
  } else if (value === '') delete settings.filters[name];
  else settings.filters[name] = value;
}

/**
 * Checks settings against the profile before any report is drawn: the sample type is one it
 * has, and the filters' regular expressions compile. `prefix` is how the person spelled the
 * names (`-` on the command line), for the message. Returns the filters compiled, for the
 * reports of these settings to apply (see reportInput).
 */
export function checkSettings(profile: Profile, settings: Settings, prefix = ''): CompiledFilters {
  if (settings.sampleIndex !== undefined) sampleIndexOf(profile, settings.sampleIndex);
  return compileFilters(settings.filters, { prefix, toError: (message) => new UsageError(message) });
}

/** A node count as `-nodecount` (command line) or `nodecount` (prompt) takes it: a whole number, 0 or more. */
function nodeCountOption(spelled: string, value: string): number {
  const count = Number(value);
  if (value.trim() === '' || !Number.isInteger(count) || count < 0) throw new UsageError(`${spelled} must be a whole number of nodes, 0 or more, got ${value}`);
  return count;
}

/** A share of the total as -nodefraction and -edgefraction take it: a number, as 0.005 or 5e-3. */
function fractionOption(spelled: string, value: string): number {
  const fraction = Number(value);
  if (value.trim() === '' || !Number.isFinite(fraction)) throw new UsageError(`${spelled} must be a number, a share of the total such as 0.005, got ${value}`);
  return fraction;
}

/**
 * What a report's percentages are of: the sum of the sample type's values (as magnitudes), or,
 * against a -diff_base, the base's own sum.
 */
export function reportTotal(profile: Profile, sampleIndex: number): number {
  const isBase = (sample: Sample) => sample.labels.some((label) => label.key === BASE_LABEL);
  const base = profile.samples.filter(isBase).reduce((sum, sample) => sum + Math.abs(sample.values[sampleIndex] ?? 0), 0);
  return base > 0 ? base : sampleTotal(profile, sampleIndex);
}

/** The sample type named or numbered by -sample_index, else the profile's default. */
export function sampleIndexOf(profile: Profile, requested: string | undefined): number {
  const names = profile.sampleTypes.map((type) => type.type);
  if (names.length === 0) throw new ProfileFormatError('the profile has no sample types');
  if (requested === undefined) return defaultSampleIndex(profile);
  const byName = names.indexOf(requested);
  if (byName >= 0) return byName;
  const byNumber = Number(requested);
  if (/^\d+$/.test(requested) && byNumber < names.length) return byNumber;
  throw new UsageError(`sample_index=${requested} is not in this profile: use one of ${names.join(', ')} (or 0 to ${names.length - 1})`);
}

/** What every report of a profile starts from: the filtered profile, the sample type, the total, what the filters told. */
export interface ReportInput {
  /** `source` itself when the filters take nothing out of it, else a filtered profile that shares the rest with it. */
  profile: Profile;
  sampleIndex: number;
  /** What percentages are of: the whole profile's total, before the filters. */
  total: number;
  /** The filters in effect, as `name=value`. */
  activeFilters: string[];
  /** What reading the filters told (a number read as a range). */
  notes: string[];
  /** The filters that matched nothing, each said as go tool pprof says it. */
  unmatched: string[];
}

/**
 * Applies the settings' sample type and filters to `source` (left as it is), for any report or
 * view. `compiled`: the settings' filters as checkSettings compiled them, if it did (compiled
 * here otherwise, or when they were compiled from other filters).
 */
export function reportInput(source: Profile, settings: Settings, compiled?: CompiledFilters): ReportInput {
  const filters = compiled && compiledFrom(compiled, settings.filters) ? compiled : compileFilters(settings.filters);
  const sampleIndex = sampleIndexOf(source, settings.sampleIndex);
  const total = reportTotal(source, sampleIndex);
  const { profile, notes, unmatched } = applyFilters(source, filters);
  return { profile, sampleIndex, total, activeFilters: activeFilters(settings.filters), notes, unmatched };
}

/**
 * One report of `source`, a profile as readSources makes it (merged), which is left as it is.
 * `notes` receives what the person should know that is not the report (a tag filter read as a
 * range). `compact` leaves out the profile's own header lines, as the interactive mode does
 * after its first.
 */
export function runReport(
  source: Profile,
  report: Report,
  symbol: RegExp | undefined,
  settings: Settings,
  options: { compact?: boolean; notes?: (line: string) => void } = {},
): string | Uint8Array {
  const { profile, sampleIndex, total, activeFilters: filters, notes, unmatched } = reportInput(source, settings);
  // As go tool pprof: what reading the filters told (a number read as a range), then what they matched not.
  for (const note of [...notes, ...unmatched]) options.notes?.(note);
  const { cum, nodeCount, nodeFraction, edgeFraction, granularity, unit, sourcePath = '', trimPath = '' } = settings;
  const paths = { search: sourcePath, trim: trimPath };
  const { compact } = options;
  const callGraph = () =>
    dotReport(profile, {
      sampleIndex,
      nodeCount,
      nodeFraction,
      edgeFraction,
      granularity,
      unit,
      paths,
      activeFilters: filters,
      total,
      callTree: settings.callTree,
    });
  const reports: Record<Report, () => string | Uint8Array> = {
    top: () =>
      topReport(profile, { sampleIndex, nodeCount, nodeFraction, edgeFraction, granularity, unit, paths, cum, activeFilters: filters, total, compact }),
    traces: () => tracesReport(profile, sampleIndex, { total, granularity, unit }),
    tags: () => tagsReport(profile, sampleIndex, unit),
    list: () => listReport(profile, sampleIndex, symbol!, { total, unit, sourcePath, trimPath }),
    peek: () => treeReport(profile, { sampleIndex, symbol, granularity, unit, paths, cum, activeFilters: filters, total, compact }),
    tree: () =>
      treeReport(profile, { sampleIndex, nodeCount, nodeFraction, edgeFraction, granularity, unit, paths, cum, activeFilters: filters, total, compact }),
    dot: callGraph,
    svg: () => drawWithGraphviz(callGraph(), 'svg'),
    pdf: () => drawWithGraphviz(callGraph(), 'pdf'),
    png: () => drawWithGraphviz(callGraph(), 'png'),
    gif: () => drawWithGraphviz(callGraph(), 'gif'),
    ps: () => drawWithGraphviz(callGraph(), 'ps'),
    callgrind: () => callgrindReport(profile, sampleIndex, { total, callTree: settings.callTree }),
    raw: () => rawReport(profile),
    // Frames named at the granularity asked for, as the web UI's flame graph and download name them.
    folded: () => foldedStacks(profile, sampleIndex, stackFrameNames(profile, granularity ?? 'functions', paths)),
    flamegraph: () => flameGraphSvg(profile, sampleIndex, { frameNames: stackFrameNames(profile, granularity ?? 'functions', paths) }),
    proto: () => encodeProfile(profile),
  };
  return reports[report]();
}

/** A regular expression from the person, or a UsageError saying what is wrong with it. */
export function regexOption(name: string, source: string): RegExp {
  return compilePattern(name, source, (message) => new UsageError(message));
}

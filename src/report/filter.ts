import type { Line, Location, Profile, Sample } from '../pprof/index.ts';
import { scale } from './measurement.ts';
import { compilePattern } from './pattern.ts';

/**
 * go tool pprof's sample filters, by regular expression on function names, file names and
 * binaries (focus, ignore: keep or drop whole samples; show, hide: keep or drop frames) and on
 * labels (tagfocus, tagignore: `key=regex`, `regex` against `key:value`, or a numeric range such
 * as `bytes=1mb:` or `:64kb`).
 */
export interface Filters {
  focus?: string;
  ignore?: string;
  hide?: string;
  show?: string;
  tagfocus?: string;
  tagignore?: string;
}

/** The order go tool pprof lists active filters in. */
export const FILTER_NAMES = ['focus', 'ignore', 'hide', 'show', 'tagfocus', 'tagignore'] as const;

/** A filter that is not a valid expression. */
export class FilterError extends Error {}

/** The filters given, as the report's "Active filters:" lines name them. */
export function activeFilters(filters: Filters): string[] {
  return FILTER_NAMES.filter((name) => filters[name]).map((name) => `${name}=${filters[name]}`);
}

/** A tag filter read once: its key (empty for any), and a numeric range or regular expressions for the value. */
interface TagFilter {
  readonly key: string;
  readonly value: string;
  readonly range?: (value: number, unit: string) => boolean;
  readonly expressions?: readonly RegExp[];
}

/**
 * The filters with their regular expressions compiled, as one check of the settings makes them
 * and every report of those settings then applies them. `text` is what they were compiled from.
 */
export interface CompiledFilters {
  readonly text: Readonly<Filters>;
  readonly focus?: RegExp;
  readonly ignore?: RegExp;
  readonly hide?: RegExp;
  readonly show?: RegExp;
  readonly tagfocus?: TagFilter;
  readonly tagignore?: TagFilter;
}

/**
 * Compiles the filters, or throws what is wrong with the first that does not compile: a
 * FilterError unless `toError` makes another, naming the filter as `prefix` + name (`-focus` on
 * the command line, `focus` at the prompt).
 */
export function compileFilters(
  filters: Filters,
  { prefix = '-', toError = (message: string): Error => new FilterError(message) }: { prefix?: string; toError?: (message: string) => Error } = {},
): CompiledFilters {
  const compile = (name: string, source: string) => compilePattern(`${prefix}${name}`, source, toError);
  const text: Filters = {};
  for (const name of FILTER_NAMES) if (filters[name]) text[name] = filters[name];
  const [focus, ignore, hide, show] = (['focus', 'ignore', 'hide', 'show'] as const).map((name) => (text[name] ? compile(name, text[name]) : undefined));
  const tag = (name: 'tagfocus' | 'tagignore'): TagFilter | undefined => {
    const filter = text[name];
    if (!filter) return undefined;
    const separator = filter.indexOf('=');
    const key = separator >= 0 ? filter.slice(0, separator) : '';
    const value = separator >= 0 ? filter.slice(separator + 1) : filter;
    const range = parseRange(value);
    return range ? { key, value, range } : { key, value, expressions: value.split(',').map((source) => compile(name, source)) };
  };
  return { text, focus, ignore, hide, show, tagfocus: tag('tagfocus'), tagignore: tag('tagignore') };
}

/** Whether `compiled` was compiled from these filters. */
export function compiledFrom(compiled: CompiledFilters, filters: Filters): boolean {
  return FILTER_NAMES.every((name) => (compiled.text[name] ?? '') === (filters[name] || ''));
}

/** How go tool pprof names each filter in its warning that it matched nothing. */
const GO_NAMES = { focus: 'Focus', ignore: 'Ignore', hide: 'Hide', show: 'Show' } as const;

/**
 * Applies the filters to the profile, as go tool pprof does before any report, and returns what
 * is left: `profile` itself when nothing changed, else a profile that shares what the filters
 * left as it was (`profile` is never changed). Also returns what the person should be told:
 * notes (a tag filter read as a numeric range), and the filters that matched nothing, which go
 * tool pprof warns of in the same words before it draws the report of what is left.
 */
export function applyFilters(profile: Profile, filters: CompiledFilters): { profile: Profile; notes: string[]; unmatched: string[] } {
  const notes: string[] = [];
  const unmatched: string[] = [];
  const lineMatches = (line: Line, re: RegExp) => re.test(line.function.name) || re.test(line.function.filename);
  const mappingMatches = (location: Location, re: RegExp) => location.mapping !== undefined && re.test(location.mapping.filename);
  const locationMatches = (location: Location, re: RegExp) => location.lines.some((line) => lineMatches(line, re)) || mappingMatches(location, re);

  const { focus, ignore, hide, show, text } = filters;
  let { locations, samples } = profile;
  if (focus || ignore || hide || show) {
    const verdicts = new Map<Location, boolean>();
    const hidden = new Set<Location>();
    // -hide and -show take lines out of locations: those are new locations, in the samples too.
    const replaced = new Map<Location, Location>();
    const matched = { focus: false, ignore: false, hide: false, show: false };
    for (const location of profile.locations) {
      if (ignore && locationMatches(location, ignore)) {
        matched.ignore = true;
        verdicts.set(location, false);
      } else if (!focus || locationMatches(location, focus)) {
        matched.focus = true;
        verdicts.set(location, true);
      }
      let lines = location.lines;
      if (hide && locationMatches(location, hide)) {
        matched.hide = true;
        lines = mappingMatches(location, hide) ? [] : lines.filter((line) => !lineMatches(line, hide));
        if (lines.length === 0) hidden.add(location);
      }
      if (show) {
        if (!mappingMatches(location, show)) lines = lines.filter((line) => lineMatches(line, show));
        if (lines.length === 0) hidden.add(location);
        else matched.show = true;
      }
      if (lines.length !== location.lines.length) replaced.set(location, { ...location, lines });
    }
    for (const name of ['focus', 'ignore', 'hide', 'show'] as const) {
      if (text[name] && !matched[name])
        unmatched.push(`${GO_NAMES[name]} expression matched no samples: -${name}=${text[name]} matches no function, file or binary in the profile`);
    }
    if (replaced.size > 0) locations = locations.map((location) => replaced.get(location) ?? location);
    const kept: Sample[] = [];
    for (const sample of samples) {
      if (!focusedAndNotIgnored(sample, verdicts)) continue;
      if (hidden.size === 0 && replaced.size === 0) {
        if (sample.locations.length > 0) kept.push(sample);
        continue;
      }
      const stack = sample.locations.filter((location) => !hidden.has(location)).map((location) => replaced.get(location) ?? location);
      if (stack.length > 0) kept.push({ ...sample, locations: stack });
    }
    samples = kept;
  } else if (samples.some((sample) => sample.locations.length === 0)) {
    // go tool pprof filters by name even when no filter is set, which drops the samples with no stack.
    samples = samples.filter((sample) => sample.locations.length > 0);
  }

  // The numeric labels' units as the samples the name filters kept give them.
  const named = { ...profile, samples };
  const tagFocus = filters.tagfocus && tagMatcher('tagfocus', filters.tagfocus, named, notes);
  const tagIgnore = filters.tagignore && tagMatcher('tagignore', filters.tagignore, named, notes);
  if (tagFocus || tagIgnore) {
    let focused = false;
    let ignored = false;
    samples = samples.filter((sample) => {
      const keep = tagFocus ? tagFocus(sample) : true;
      const drop = tagIgnore ? tagIgnore(sample) : false;
      focused ||= keep;
      ignored ||= drop;
      return keep && !drop;
    });
    const labelsThere = '(see -traces for the labels there are)';
    if (tagFocus && !focused) unmatched.push(`TagFocus expression matched no samples: -tagfocus=${text.tagfocus} matches no sample's labels ${labelsThere}`);
    if (tagIgnore && !ignored)
      unmatched.push(`TagIgnore expression matched no samples: -tagignore=${text.tagignore} matches no sample's labels ${labelsThere}`);
  }
  const filtered = samples === profile.samples && locations === profile.locations ? profile : { ...profile, samples, locations };
  return { profile: filtered, notes, unmatched };
}

/** A sample is kept when a frame is focused on and none is ignored. */
function focusedAndNotIgnored(sample: Sample, verdicts: ReadonlyMap<Location, boolean>): boolean {
  let focused = false;
  for (const location of sample.locations) {
    const verdict = verdicts.get(location);
    if (verdict === false) return false;
    if (verdict === true) focused = true;
  }
  return focused;
}

function tagMatcher(name: string, filter: TagFilter, profile: Profile, notes: string[]): (sample: Sample) => boolean {
  const { key: wantKey, value, range, expressions = [] } = filter;
  if (range) {
    notes.push(`${name}:Interpreted '${value}' as range, not regexp`);
    const units = numericUnits(profile);
    return (sample) => sample.labels.some(({ key, str, num }) => str === '' && (!wantKey || key === wantKey) && range(num, units.get(key) ?? key));
  }
  if (!wantKey) {
    return (sample) => {
      const pairs = sample.labels.filter(({ str }) => str !== '').map(({ key, str }) => `${key}:${str}`);
      return expressions.every((re) => pairs.some((pair) => re.test(pair)));
    };
  }
  return (sample) => {
    const values = sample.labels.filter(({ key, str }) => key === wantKey && str !== '').map(({ str }) => str);
    return expressions.some((re) => values.some((text) => re.test(text)));
  };
}

/** Each numeric label's unit: the first one given, else bytes for request and alignment, else the key. */
export function numericUnits(profile: Profile): Map<string, string> {
  const units = new Map<string, string>();
  for (const sample of profile.samples) {
    for (const { key, str, numUnit: unit } of sample.labels) {
      if (str !== '') continue;
      if (unit && !units.get(key)) units.set(key, unit);
      else if (!units.has(key)) units.set(key, '');
    }
  }
  for (const [key, unit] of units) if (!unit) units.set(key, key === 'alignment' || key === 'request' ? 'bytes' : key);
  return units;
}

/** `32kb` (equal), `4mb:` (at least), `:64kb` (at most), `12kb:64mb` (between), else undefined. */
function parseRange(filter: string): ((value: number, unit: string) => boolean) | undefined {
  const bounds = [...filter.matchAll(/([+-]?\d+)([a-zA-Z]+)?/g)].slice(0, 2);
  if (bounds.length === 0) return undefined;
  const canonical = bounds.map((match) => scale(Number(match[1]), match[2] ?? '', match[2] ?? ''));
  const [lowValue, unit] = canonical[0]!;
  const inUnit = (value: number, valueUnit: string): number | undefined => {
    const [scaled, scaledUnit] = scale(value, valueUnit, unit);
    return scaledUnit === unit ? scaled : undefined;
  };
  const first = bounds[0]![0];
  if (bounds.length === 1) {
    if (filter === first) return (value, valueUnit) => inUnit(value, valueUnit) === lowValue;
    if (filter === `${first}:`) return (value, valueUnit) => (inUnit(value, valueUnit) ?? -Infinity) >= lowValue;
    if (filter === `:${first}`) return (value, valueUnit) => (inUnit(value, valueUnit) ?? Infinity) <= lowValue;
    return undefined;
  }
  if (filter !== `${first}:${bounds[1]![0]}`) return undefined;
  const [highValue, highUnit] = canonical[1]!;
  return (value, valueUnit) => {
    const low = inUnit(value, valueUnit);
    const [high, scaledHighUnit] = scale(value, valueUnit, highUnit);
    return low !== undefined && low >= lowValue && scaledHighUnit === highUnit && high <= highValue;
  };
}

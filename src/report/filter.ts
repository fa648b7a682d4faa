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

function compile(name: string, source: string): RegExp {
  return compilePattern(`-${name}`, source, (message) => new FilterError(message));
}

/** How go tool pprof names each filter in its warning that it matched nothing. */
const GO_NAMES = { focus: 'Focus', ignore: 'Ignore', hide: 'Hide', show: 'Show' } as const;

/**
 * Applies the filters to the profile in place, as go tool pprof does before any report. Throws
 * FilterError for an expression that does not compile. Returns what the person should be told:
 * notes (a tag filter read as a numeric range), and the filters that matched nothing, which go
 * tool pprof warns of in the same words before it draws the report of what is left.
 */
export function applyFilters(profile: Profile, filters: Filters): { notes: string[]; unmatched: string[] } {
  const notes: string[] = [];
  const unmatched: string[] = [];
  const lineMatches = (line: Line, re: RegExp) => re.test(line.function.name) || re.test(line.function.filename);
  const mappingMatches = (location: Location, re: RegExp) => location.mapping !== undefined && re.test(location.mapping.filename);
  const locationMatches = (location: Location, re: RegExp) => location.lines.some((line) => lineMatches(line, re)) || mappingMatches(location, re);

  const [focus, ignore, hide, show] = (['focus', 'ignore', 'hide', 'show'] as const).map((name) => (filters[name] ? compile(name, filters[name]!) : undefined));
  if (focus || ignore || hide || show) {
    const verdicts = new Map<Location, boolean>();
    const hidden = new Set<Location>();
    const matched = { focus: false, ignore: false, hide: false, show: false };
    for (const location of profile.locations) {
      if (ignore && locationMatches(location, ignore)) {
        matched.ignore = true;
        verdicts.set(location, false);
      } else if (!focus || locationMatches(location, focus)) {
        matched.focus = true;
        verdicts.set(location, true);
      }
      if (hide && locationMatches(location, hide)) {
        matched.hide = true;
        location.lines = mappingMatches(location, hide) ? [] : location.lines.filter((line) => !lineMatches(line, hide));
        if (location.lines.length === 0) hidden.add(location);
      }
      if (show) {
        if (!mappingMatches(location, show)) location.lines = location.lines.filter((line) => lineMatches(line, show));
        if (location.lines.length === 0) hidden.add(location);
        else matched.show = true;
      }
    }
    for (const name of ['focus', 'ignore', 'hide', 'show'] as const) {
      if (filters[name] && !matched[name])
        unmatched.push(`${GO_NAMES[name]} expression matched no samples: -${name}=${filters[name]} matches no function, file or binary in the profile`);
    }
    profile.samples = profile.samples.filter((sample) => {
      if (!focusedAndNotIgnored(sample, verdicts)) return false;
      if (hidden.size > 0) sample.locations = sample.locations.filter((location) => !hidden.has(location));
      return sample.locations.length > 0;
    });
  } else {
    // go tool pprof filters by name even when no filter is set, which drops the samples with no stack.
    profile.samples = profile.samples.filter((sample) => sample.locations.length > 0);
  }

  const tagFocus = filters.tagfocus ? tagMatcher('tagfocus', filters.tagfocus, profile, notes) : undefined;
  const tagIgnore = filters.tagignore ? tagMatcher('tagignore', filters.tagignore, profile, notes) : undefined;
  if (tagFocus || tagIgnore) {
    let focused = false;
    let ignored = false;
    profile.samples = profile.samples.filter((sample) => {
      const keep = tagFocus ? tagFocus(sample) : true;
      const drop = tagIgnore ? tagIgnore(sample) : false;
      focused ||= keep;
      ignored ||= drop;
      return keep && !drop;
    });
    const labelsThere = '(see -traces for the labels there are)';
    if (tagFocus && !focused) unmatched.push(`TagFocus expression matched no samples: -tagfocus=${filters.tagfocus} matches no sample's labels ${labelsThere}`);
    if (tagIgnore && !ignored)
      unmatched.push(`TagIgnore expression matched no samples: -tagignore=${filters.tagignore} matches no sample's labels ${labelsThere}`);
  }
  return { notes, unmatched };
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

function tagMatcher(name: string, filter: string, profile: Profile, notes: string[]): (sample: Sample) => boolean {
  const separator = filter.indexOf('=');
  const wantKey = separator >= 0 ? filter.slice(0, separator) : '';
  const value = separator >= 0 ? filter.slice(separator + 1) : filter;

  const range = parseRange(value);
  if (range) {
    notes.push(`${name}:Interpreted '${value}' as range, not regexp`);
    const units = numericUnits(profile);
    return (sample) => sample.labels.some(({ key, str, num }) => str === '' && (!wantKey || key === wantKey) && range(num, units.get(key) ?? key));
  }
  const expressions = value.split(',').map((source) => compile(name, source));
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

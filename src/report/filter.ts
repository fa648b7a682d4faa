import type { Label, Location, Profile, Sample } from 'pprof-format';
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
  const strings = profile.stringTable.strings;
  const functions = new Map(profile.function.map((fn) => [Number(fn.id), fn]));
  const mappingFiles = new Map(profile.mapping.map((mapping) => [Number(mapping.id), strings[Number(mapping.filename)] ?? '']));
  const lineMatches = (line: Location['line'][number], re: RegExp) => {
    const fn = functions.get(Number(line.functionId));
    return fn !== undefined && (re.test(strings[Number(fn.name)] ?? '') || re.test(strings[Number(fn.filename)] ?? ''));
  };
  const mappingMatches = (location: Location, re: RegExp) => {
    const file = mappingFiles.get(Number(location.mappingId));
    return file !== undefined && re.test(file);
  };
  const locationMatches = (location: Location, re: RegExp) => location.line.some((line) => lineMatches(line, re)) || mappingMatches(location, re);

  const [focus, ignore, hide, show] = (['focus', 'ignore', 'hide', 'show'] as const).map((name) => (filters[name] ? compile(name, filters[name]!) : undefined));
  if (focus || ignore || hide || show) {
    const verdicts = new Map<number, boolean>();
    const hidden = new Set<number>();
    const matched = { focus: false, ignore: false, hide: false, show: false };
    for (const location of profile.location) {
      const id = Number(location.id);
      if (ignore && locationMatches(location, ignore)) {
        matched.ignore = true;
        verdicts.set(id, false);
      } else if (!focus || locationMatches(location, focus)) {
        matched.focus = true;
        verdicts.set(id, true);
      }
      if (hide && locationMatches(location, hide)) {
        matched.hide = true;
        location.line = mappingMatches(location, hide)
          ? []
          : location.line.filter((line) => !(functions.has(Number(line.functionId)) && lineMatches(line, hide)));
        if (location.line.length === 0) hidden.add(id);
      }
      if (show) {
        if (!mappingMatches(location, show)) location.line = location.line.filter((line) => !functions.has(Number(line.functionId)) || lineMatches(line, show));
        if (location.line.length === 0) hidden.add(id);
        else matched.show = true;
      }
    }
    for (const name of ['focus', 'ignore', 'hide', 'show'] as const) {
      if (filters[name] && !matched[name])
        unmatched.push(`${GO_NAMES[name]} expression matched no samples: -${name}=${filters[name]} matches no function, file or binary in the profile`);
    }
    profile.sample = profile.sample.filter((sample) => {
      if (!focusedAndNotIgnored(sample, verdicts)) return false;
      if (hidden.size > 0) sample.locationId = sample.locationId.filter((id) => !hidden.has(Number(id)));
      return sample.locationId.length > 0;
    });
  }

  const tagFocus = filters.tagfocus ? tagMatcher('tagfocus', filters.tagfocus, profile, notes) : undefined;
  const tagIgnore = filters.tagignore ? tagMatcher('tagignore', filters.tagignore, profile, notes) : undefined;
  if (tagFocus || tagIgnore) {
    let focused = false;
    let ignored = false;
    profile.sample = profile.sample.filter((sample) => {
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
function focusedAndNotIgnored(sample: Sample, verdicts: ReadonlyMap<number, boolean>): boolean {
  let focused = false;
  for (const id of sample.locationId) {
    const verdict = verdicts.get(Number(id));
    if (verdict === false) return false;
    if (verdict === true) focused = true;
  }
  return focused;
}

function tagMatcher(name: string, filter: string, profile: Profile, notes: string[]): (sample: Sample) => boolean {
  const strings = profile.stringTable.strings;
  const separator = filter.indexOf('=');
  const wantKey = separator >= 0 ? filter.slice(0, separator) : '';
  const value = separator >= 0 ? filter.slice(separator + 1) : filter;
  const labelsOf = (sample: Sample) => sample.label.map((label: Label) => ({ key: strings[Number(label.key)] ?? '', label }));

  const range = parseRange(value);
  if (range) {
    notes.push(`${name}:Interpreted '${value}' as range, not regexp`);
    const units = numericUnits(profile);
    return (sample) =>
      labelsOf(sample).some(({ key, label }) => Number(label.str) === 0 && (!wantKey || key === wantKey) && range(Number(label.num), units.get(key) ?? key));
  }
  const expressions = value.split(',').map((source) => compile(name, source));
  if (!wantKey) {
    return (sample) => {
      const pairs = labelsOf(sample)
        .filter(({ label }) => Number(label.str) !== 0)
        .map(({ key, label }) => `${key}:${strings[Number(label.str)] ?? ''}`);
      return expressions.every((re) => pairs.some((pair) => re.test(pair)));
    };
  }
  return (sample) => {
    const values = labelsOf(sample)
      .filter(({ key, label }) => key === wantKey && Number(label.str) !== 0)
      .map(({ label }) => strings[Number(label.str)] ?? '');
    return expressions.some((re) => values.some((text) => re.test(text)));
  };
}

/** Each numeric label's unit: the first one given, else bytes for request and alignment, else the key. */
export function numericUnits(profile: Profile): Map<string, string> {
  const strings = profile.stringTable.strings;
  const units = new Map<string, string>();
  for (const sample of profile.sample) {
    for (const label of sample.label) {
      if (Number(label.str) !== 0) continue;
      const key = strings[Number(label.key)] ?? '';
      const unit = strings[Number(label.numUnit)] ?? '';
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

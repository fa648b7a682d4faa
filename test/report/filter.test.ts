import { describe, expect, it } from 'vitest';
import { ProfileBuilder, type Profile } from '../../src/pprof/index.ts';
import { UsageError, checkSettings, reportInput, type Settings } from '../../src/report/driver.ts';
import { FilterError, applyFilters, compileFilters, compiledFrom } from '../../src/report/filter.ts';

const frame = (name: string, line = 1) => ({ name, file: '/app/x.ts', line });

function profile(): Profile {
  const builder = new ProfileBuilder({ sampleTypes: [{ type: 'cpu', unit: 'nanoseconds' }] });
  builder.addSample([frame('hash'), frame('handle'), frame('main')], [60], { route: '/hash' });
  builder.addSample([frame('sleep'), frame('handle'), frame('main')], [30], { route: '/sleep' });
  builder.addSample([frame('main')], [10]);
  return builder.build();
}

/** Each sample's stack, leaf first, by function name, with its value. */
const stacks = (filtered: Profile) =>
  filtered.samples.map(
    (sample) => `${sample.locations.map((location) => location.lines.map((line) => line.function.name).join('+')).join(';')} ${sample.values[0]}`,
  );

describe('compiled filters', () => {
  it('compile once, name the filter that does not compile, and know what they were compiled from', () => {
    const compiled = compileFilters({ focus: 'handle', tagfocus: 'route=/h.*,/s' });
    expect(compiledFrom(compiled, { focus: 'handle', tagfocus: 'route=/h.*,/s', hide: '' })).toBe(true);
    expect(compiledFrom(compiled, { focus: 'handle' })).toBe(false);
    expect(() => compileFilters({ hide: '(' })).toThrow(FilterError);
    expect(() => compileFilters({ hide: '(' })).toThrow(/^-hide=\( is not a regular expression: /);
    // The tag filters' expressions too, before any report: the settings' check refuses them as it refuses -focus.
    expect(() => checkSettings(profile(), { cum: false, filters: { tagignore: 'route=(' } }, '-')).toThrow(UsageError);
    expect(() => checkSettings(profile(), { cum: false, filters: { tagignore: 'route=(' } })).toThrow(/^tagignore=\( is not a regular expression: /);
  });

  it('leave the profile they filter as it was, and return it itself when they take nothing out', () => {
    const source = profile();
    const before = stacks(source);
    const hidden = applyFilters(source, compileFilters({ hide: 'handle', tagignore: 'route=/sleep' }));
    expect(stacks(hidden.profile)).toEqual(['hash;main 60', 'main 10']);
    expect(stacks(source)).toEqual(before);
    expect(source.locations.every((location) => location.lines.length === 1)).toBe(true);
    // -show keeps only the frames it names; the locations that lose theirs are new ones, in the filtered samples alone.
    const shown = applyFilters(source, compileFilters({ show: 'hash|main' }));
    expect(stacks(shown.profile)).toEqual(['hash;main 60', 'main 30', 'main 10']);
    expect(stacks(source)).toEqual(before);
    expect(applyFilters(source, compileFilters({})).profile).toBe(source);
    expect(applyFilters(source, compileFilters({ focus: 'main' })).profile.samples).toEqual(source.samples);
  });

  it('reach every report through reportInput: the checked ones when given, compiled anew for other settings', () => {
    const source = profile();
    const settings: Settings = { cum: false, filters: { focus: 'sleep' } };
    const checked = checkSettings(source, settings, '-');
    expect(stacks(reportInput(source, settings, checked).profile)).toEqual(['sleep;handle;main 30']);
    // Filters compiled for other settings are not applied to these.
    const other: Settings = { cum: false, filters: { ignore: 'sleep' } };
    const input = reportInput(source, other, checked);
    expect(stacks(input.profile)).toEqual(['hash;handle;main 60', 'main 10']);
    expect(input.total).toBe(100);
    expect(input.activeFilters).toEqual(['ignore=sleep']);
  });
});

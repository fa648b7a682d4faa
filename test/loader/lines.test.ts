/**
 * TypeScript lines on the Node this suite runs on: a sample in a loop lands on the loop's line,
 * whatever kind of module the loop is in and however it was loaded. CI runs this file on each
 * Node version the workshop supports.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runProfileCommand, runTypeScript } from '../helpers/run.ts';
import { lineOf, readProfile, stacks } from '../helpers/profile.ts';

const cases = [
  ['an ES module .ts', 'esm/hot.ts', 'esm/hot.ts'],
  ['an .mts', 'esm/hot.mts', 'esm/hot.mts'],
  ['a CommonJS .ts', 'cjs/hot.ts', 'cjs/hot.ts'],
  ['a .cts', 'cjs/hot.cts', 'cjs/hot.cts'],
  ['a .cts an ES module imports', 'esm/imports-commonjs.mts', 'cjs/spin.cts'],
  ['a .ts imported by its .js name', 'esm/imports-by-js-name.ts', 'esm/spin.ts'],
  ['a .cts required from CommonJS .ts', 'cjs/requires.ts', 'cjs/spin.cts'],
] as const;

describe(`TypeScript lines on Node ${process.versions.node}`, () => {
  it.each(cases)('npm run profile: the hot loop of %s is on its own lines', (_kind, program, hotFile) => {
    const output = join(mkdtempSync(join(tmpdir(), 'lines-')), 'cpu.pb.gz');
    const run = runProfileCommand(['--cpu', '--hz', '1000', '-o', output, fixture(`lines/${program}`)], { MILLIS: '300' });
    expect(run.status, run.stderr).toBe(0);
    const file = fixture(`lines/${hotFile}`);
    const inSpin = stacks(readProfile(output)).filter(({ frames }) => frames[0]!.startsWith(`spin ${file}:`));
    const nanos = (keep: (line: number) => boolean) =>
      inSpin.filter(({ frames }) => keep(Number(frames[0]!.split(':').at(-1)))).reduce((sum, { values }) => sum + values[1]!, 0);
    const loop = [lineOf(file, 'for (let i'), lineOf(file, 'totals.sum +=')];
    const all = nanos(() => true);
    expect(all, 'no sample in spin at all').toBeGreaterThan(0);
    // Through tsx alone all of it would be on the function's first line.
    expect(nanos((line) => loop.includes(line)) / all).toBeGreaterThan(0.5);
    expect(nanos((line) => line === lineOf(file, 'export function spin')) / all).toBeLessThan(0.5);
  });

  it.each([
    ['an ES module', 'esm/throws.ts'],
    ['a .cts', 'cjs/throws.cts'],
  ])('error stacks in %s name the TypeScript line', (_kind, program) => {
    const file = fixture(`lines/${program}`);
    const run = runTypeScript(file);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('on purpose');
    expect(run.stderr).toMatch(new RegExp(`at fail \\(.*throws\\.c?ts:${lineOf(file, 'throw new Error')}:\\d+\\)`));
  });
});

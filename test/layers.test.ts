/**
 * The source's layers point one way: each folder of src/ imports only the folders its layer may
 * (README, "Layout"). A new upward import fails here with the file and what it imported.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/run.ts';

const src = join(repoRoot, 'src');

/** What each folder of src/ may import besides itself. */
const allowed: Record<string, readonly string[]> = {
  pprof: [],
  loader: [],
  profilers: ['pprof'],
  report: ['pprof'],
  http: ['pprof', 'profilers', 'report'],
  // The web UI checks the Host header as the router does.
  web: ['pprof', 'report', 'http'],
  workshop: ['pprof', 'report', 'loader'],
  cli: ['pprof', 'loader', 'profilers', 'report', 'http', 'web', 'workshop'],
};

function* sourceFiles(directory: string): Generator<string> {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name)) yield path;
  }
}

/** The folders of src/ a file imports from, other than its own, with the import that says so. */
function importsOf(file: string): { folder: string; specifier: string }[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (match) => match[1] ?? match[2] ?? '',
  );
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ specifier, folder: relative(src, resolve(dirname(file), specifier)).split('/')[0] ?? '' }))
    .filter(({ folder }) => folder !== '' && !folder.startsWith('..'));
}

describe('layers of src/', () => {
  const files = [...sourceFiles(src)];

  it('reads every folder it has a rule for, and has a rule for every folder', () => {
    const folders = new Set(files.map((file) => relative(src, file).split('/')[0]!));
    expect([...folders].sort()).toEqual(Object.keys(allowed).sort());
  });

  it('has no import that points up or across the layers', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const own = relative(src, file).split('/')[0]!;
      for (const { folder, specifier } of importsOf(file)) {
        if (folder !== own && !allowed[own]!.includes(folder))
          wrong.push(`${relative(repoRoot, file)} imports ${specifier} (${own} may import ${allowed[own]!.join(', ') || 'nothing of ours'})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('leaves the wire format to the codec: no other file of src/, test/ or bench/ imports pprof-format', () => {
    const wireFormat = /from\s+['"]pprof-format['"]/;
    const readers = [src, join(repoRoot, 'test'), join(repoRoot, 'bench')]
      .flatMap((directory) => [...sourceFiles(directory)])
      .filter((file) => !file.includes('/fixtures/') && wireFormat.test(readFileSync(file, 'utf8')))
      .map((file) => relative(repoRoot, file));
    expect(readers).toEqual(['src/pprof/codec.ts']);
  });

  it('finds imports as they are written, so the rule above can fail', () => {
    const found = importsOf(join(src, 'cli', 'pprof.ts')).map(({ folder }) => folder);
    expect(found).toContain('report');
    expect(found).toContain('web');
  });
});

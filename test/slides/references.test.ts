import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExercise, loadExercises } from '../../src/workshop/metadata.ts';
import { repoRoot } from '../helpers/run.ts';

/**
 * Every command and path the deck and the README name exists: npm scripts, exercise ids, files
 * and folders. A learner who copies a command from a slide must not meet "missing script".
 */
const scripts = Object.keys(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts);
const exercises = loadExercises(repoRoot);
const documents = ['slides.md', 'README.md', ...exercises.map((exercise) => join(exercise.folder, 'README.md'))];

/** Files a program writes when it runs (profiles, reports): their folder must exist, not they. */
const GENERATED = /\.(pb\.gz|pb|folded|svg|json|txt|pdf|cpuprofile|heapprofile)$/;

describe.each(documents)('%s', (document) => {
  const text = readFileSync(join(repoRoot, document), 'utf8');

  it('names only npm scripts that exist, and exercises that exist', () => {
    for (const [, script, argument] of text.matchAll(/npm run ([a-z][\w:-]*)(?: +(?:-- +)?([\w-]+))?/g)) {
      expect(scripts, `npm run ${script} in ${document}`).toContain(script);
      if (['exercise', 'check', 'hint'].includes(script!) && argument && !argument.startsWith('-') && argument !== 'ID') {
        expect(() => findExercise(exercises, argument), `npm run ${script} ${argument} in ${document}`).not.toThrow();
      }
    }
  });

  it.runIf(document === 'slides.md')('runs each exercise only as the tests run it: with the arguments of one of its runs', () => {
    // solutions.sequential.test.ts runs every exercise's runs (workshop.json) and its check.
    for (const [command, id, args] of text.matchAll(/npm run exercise ([\w-]+)((?: +\w+)*)/g)) {
      const runs = findExercise(exercises, id!).runs.map((run) => run.join(' '));
      const given = args!.trim();
      if (given !== '') expect(runs, command).toContain(given);
    }
  });

  it('names only files and folders that exist', () => {
    for (const [path] of text.matchAll(/\b(?:exercises|debugme|solutions|src|test|bench|bin|components|public)\/[\w./-]*\w/g)) {
      if (/[<>]|NN|\bID\b|slug/.test(path!)) continue;
      const target = GENERATED.test(path!) && !existsSync(join(repoRoot, path!)) ? dirname(path!) : path!;
      expect(existsSync(join(repoRoot, target)), `${path} in ${document}`).toBe(true);
    }
  });
});

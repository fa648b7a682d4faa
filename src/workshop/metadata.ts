import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The workshop's exercises and debugme programs, in the order they are meant to be done, as
 * workshop.json lists them: one file, so the runner, the tests and the slides agree on them.
 */
export interface Exercise {
  /** `01-cpu-profile`: what the commands take (a unique prefix does too). */
  readonly id: string;
  /** The folder, from the repository's root. */
  readonly folder: string;
  readonly title: string;
  readonly kind: 'exercise' | 'debugme';
  /**
   * The argument lists of `npm run exercise ID` the lesson's steps run, in order: what doing
   * the exercise takes before its check can pass (the test suite runs them).
   */
  readonly runs: readonly (readonly string[])[];
  /** Revealed one at a time, only when asked for with `npm run hint`. */
  readonly hints: readonly string[];
}

/** A command given something the workshop cannot do: said in one line, with what to do. */
export class WorkshopError extends Error {}

export const METADATA_FILE = 'workshop.json';

/** The exercises of the workshop at `root`, checked for the fields every command relies on. */
export function loadExercises(root: string): Exercise[] {
  const path = join(root, METADATA_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new WorkshopError(`${METADATA_FILE} cannot be read: ${(error as Error).message}`);
  }
  const list = (parsed as { exercises?: unknown }).exercises;
  if (!Array.isArray(list)) throw new WorkshopError(`${METADATA_FILE} must hold {"exercises": [...]}`);
  const seen = new Set<string>();
  return list.map((entry: Record<string, unknown>, index) => {
    const where = `${METADATA_FILE}, exercise ${index + 1}`;
    for (const field of ['id', 'folder', 'title'] as const) {
      if (typeof entry[field] !== 'string' || entry[field] === '') throw new WorkshopError(`${where}: "${field}" must be a non-empty string`);
    }
    if (entry.kind !== 'exercise' && entry.kind !== 'debugme') throw new WorkshopError(`${where}: "kind" must be "exercise" or "debugme"`);
    if (!Array.isArray(entry.hints) || entry.hints.length === 0 || !entry.hints.every((hint) => typeof hint === 'string'))
      throw new WorkshopError(`${where}: "hints" must be a list of one or more strings`);
    if (!Array.isArray(entry.runs) || !entry.runs.every((run) => Array.isArray(run) && run.every((arg) => typeof arg === 'string')))
      throw new WorkshopError(`${where}: "runs" must be a list of argument lists, e.g. [[], ["1000000"]]`);
    if (seen.has(entry.id as string)) throw new WorkshopError(`${where}: the id ${entry.id} is listed twice`);
    seen.add(entry.id as string);
    return entry as unknown as Exercise;
  });
}

/** The number an id starts with (`01-cpu-profile` is 1), or undefined for an id without one (`deadlock`). */
function numberOf(id: string): number | undefined {
  const digits = /^(\d+)(?:-|$)/.exec(id)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

/**
 * The exercise an id names: exactly; by its number (`1` and `01` are 01-cpu-profile, never
 * 10-diff); or by a prefix only it has (`01-cpu`, `dead`). Anything else is a WorkshopError
 * listing the ids it could have meant.
 */
export function findExercise(exercises: readonly Exercise[], query: string | undefined): Exercise {
  if (!query)
    throw new WorkshopError(`name an exercise, e.g. ${exercises[0]?.id ?? '01-cpu-profile'}: one of ${exercises.map((exercise) => exercise.id).join(', ')}`);
  const exact = exercises.find((exercise) => exercise.id === query);
  if (exact) return exact;
  if (/^\d+$/.test(query)) {
    const numbered = exercises.filter((exercise) => numberOf(exercise.id) === Number(query));
    if (numbered.length === 1) return numbered[0]!;
    if (numbered.length > 1) throw new WorkshopError(`"${query}" could be ${numbered.map((exercise) => exercise.id).join(' or ')}: give more of the id`);
  }
  const prefixed = exercises.filter((exercise) => exercise.id.startsWith(query));
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) throw new WorkshopError(`"${query}" could be ${prefixed.map((exercise) => exercise.id).join(' or ')}: give more of the id`);
  const closest = [...exercises]
    .map((exercise) => ({
      exercise,
      distance: Math.min(...[exercise.id, exercise.id.replace(/^\d+-/, ''), ...exercise.id.split('-')].map((name) => editDistance(query, name))),
    }))
    .sort((a, b) => a.distance - b.distance || (a.exercise.id < b.exercise.id ? -1 : 1))
    .slice(0, 3)
    .map(({ exercise }) => exercise.id);
  throw new WorkshopError(`no exercise "${query}"; the closest: ${closest.join(', ')} (npm run workshop lists them all)`);
}

/** Levenshtein's distance: the fewest single-character edits from one string to the other. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

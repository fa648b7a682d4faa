import { describe, expect, it } from 'vitest';
import { WorkshopError, findExercise, loadExercises, type Exercise } from '../../src/workshop/metadata.ts';
import { repoRoot } from '../helpers/run.ts';

const exercise = (id: string): Exercise => ({ id, folder: `exercises/${id}`, title: id, kind: 'exercise', runs: [], hints: ['a hint'] });
const list = ['01-cpu-profile', '02-basic-http', '10-diff', '11-more', 'deadlock', 'deadline'].map(exercise);
const found = (query: string) => findExercise(list, query).id;
const refused = (query: string | undefined) => {
  try {
    findExercise(list, query);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkshopError);
    return (error as Error).message;
  }
  throw new Error(`${query} was found`);
};

describe('findExercise', () => {
  it.each([
    ['01-cpu-profile', '01-cpu-profile'],
    ['1', '01-cpu-profile'],
    ['01', '01-cpu-profile'],
    ['001', '01-cpu-profile'],
    ['10', '10-diff'],
    ['2', '02-basic-http'],
    ['01-cpu', '01-cpu-profile'],
    ['10-d', '10-diff'],
    ['deadl', undefined],
    ['deadlo', 'deadlock'],
  ])('takes %j as %s: the number first, then a unique prefix', (query, id) => {
    if (id) expect(found(query)).toBe(id);
    else expect(refused(query)).toBe('"deadl" could be deadlock or deadline: give more of the id');
  });

  it('names the closest ids for a number or name it does not know', () => {
    expect(refused('12')).toMatch(/^no exercise "12"; the closest: /);
    expect(refused('cpu-profile')).toMatch(/^no exercise "cpu-profile"; the closest: 01-cpu-profile, /);
    expect(refused(undefined)).toMatch(/^name an exercise, e.g. 01-cpu-profile: one of 01-cpu-profile, 02-basic-http, /);
  });

  it("finds each of workshop.json's exercises by its number", () => {
    const exercises = loadExercises(repoRoot);
    for (const listed of exercises.filter((entry) => /^\d+-/.test(entry.id)))
      expect(findExercise(exercises, String(Number(listed.id.split('-')[0])))).toBe(listed);
  });
});

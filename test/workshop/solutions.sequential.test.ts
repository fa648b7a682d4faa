import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExercises } from '../../src/workshop/metadata.ts';
import { repoRoot } from '../helpers/run.ts';
import { SOLVER, applySolution, workshopCommand, workshopCopy } from '../helpers/workshop.ts';

/**
 * Every check proven both ways: on a copy of the repository, after the runs the lesson asks for,
 * the untouched exercise is "not done yet", and with its solution copied over it, done. A check
 * that passes untouched, or fails solved, fails here. Run alone, after the rest: several checks
 * measure time (shares, latencies, aliasing), which other tests' load on two cores would skew.
 */
const exercises = loadExercises(repoRoot);
const copies: string[] = [];
afterAll(() => {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
});

describe('workshop.json', () => {
  it('lists every exercise and debugme folder, each with its lesson, program, answers, check and solution', () => {
    const onDisk = ['exercises', 'debugme'].flatMap((parent) =>
      existsSync(join(repoRoot, parent))
        ? readdirSync(join(repoRoot, parent), { withFileTypes: true })
            .filter((entry) => entry.isDirectory())
            .map((entry) => `${parent}/${entry.name}`)
        : [],
    );
    expect(exercises.map((exercise) => exercise.folder).sort()).toEqual(onDisk.sort());
    for (const exercise of exercises) {
      for (const name of ['README.md', 'main.ts', 'answers.json', 'check.test.ts'])
        expect(existsSync(join(repoRoot, exercise.folder, name)), `${exercise.folder}/${name}`).toBe(true);
      const solution = join(repoRoot, 'solutions', exercise.id);
      expect(existsSync(join(solution, 'answers.json')) || existsSync(join(solution, SOLVER)), `solutions/${exercise.id}/answers.json or ${SOLVER}`).toBe(true);
      expect(exercise.folder.endsWith(`/${exercise.id}`) || exercise.kind === 'debugme', exercise.id).toBe(true);
    }
  });
});

it('type-checks every solution in place, copied over its exercise', () => {
  // The root tsconfig leaves solutions/ out: their imports name files of the exercise folders.
  const copy = workshopCopy();
  copies.push(copy);
  for (const exercise of exercises) applySolution(copy, exercise.id, exercise.folder, { solve: false });
  const result = spawnSync(process.execPath, [join(copy, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', join(copy, 'tsconfig.json')], {
    cwd: copy,
    encoding: 'utf8',
  });
  expect(result.stdout + result.stderr).toBe('');
  expect(result.status).toBe(0);
  // A guard against a hang, not a speed target: tsc over the whole copy takes some 30 s of CPU,
  // and on a loaded machine (a load average of 27 on 2 cores) 210 s of the clock.
}, 600_000);

describe.each(exercises.map((exercise) => [exercise.id, exercise] as const))('%s', (_id, exercise) => {
  it('is not done untouched, and done with its solution', () => {
    const copy = workshopCopy();
    copies.push(copy);
    for (const args of exercise.runs) {
      const run = workshopCommand(copy, 'exercise', [exercise.id, ...args]);
      expect(run.status, `npm run exercise ${exercise.id} ${args.join(' ')}:\n${run.stdout}\n${run.stderr}`).toBe(0);
    }
    const untouched = workshopCommand(copy, 'check', [exercise.id]);
    expect(untouched.stdout).toContain('Not done yet: ');
    expect(untouched.status).toBe(1);
    applySolution(copy, exercise.id, exercise.folder);
    const solved = workshopCommand(copy, 'check', [exercise.id]);
    expect(solved.stdout, solved.stderr).toContain(`Done: ${exercise.id}.`);
    expect(solved.status).toBe(0);
  }, 600_000);
});

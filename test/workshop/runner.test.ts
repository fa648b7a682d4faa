import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySolution, workshopCommand, workshopCopy } from '../helpers/workshop.ts';

/**
 * The runner end to end, as a learner uses it, on exercise 01 in a copy of the repository (with
 * a second exercise added to its workshop.json, so that a prefix can be ambiguous).
 */
const ID = '01-cpu-profile';
const FOLDER = 'exercises/01-cpu-profile';
let copy: string;
const file = (path: string) => join(copy, FOLDER, path);
const state = () => JSON.parse(readFileSync(join(copy, '.workshop-state.json'), 'utf8'));

beforeAll(() => {
  copy = workshopCopy();
  const metadata = JSON.parse(readFileSync(join(copy, 'workshop.json'), 'utf8'));
  metadata.exercises.push({ id: '01-cpu-other', folder: FOLDER, title: 'A second exercise with the same prefix', kind: 'exercise', runs: [], hints: ['none'] });
  writeFileSync(join(copy, 'workshop.json'), JSON.stringify(metadata));
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('npm run exercise', () => {
  it('runs main.ts from its folder, streams its output, and says what it wrote and what to run next', () => {
    const result = workshopCommand(copy, 'exercise', ['01-cpu-profile']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('1,000 rounds of SHA-256 in');
    expect(result.stdout).toContain(`It wrote: ${FOLDER}/cpu-1000.pb.gz`);
    expect(result.stdout).toContain(`npm run pprof -- -top ${FOLDER}/cpu-1000.pb.gz`);
    expect(result.stdout).toContain(`npm run check ${ID}`);
    expect(existsSync(file('cpu-1000.pb.gz'))).toBe(true);
    expect(state().current).toBe(ID);
  });

  it('takes a unique prefix and passes the arguments after the id to the program', () => {
    const result = workshopCommand(copy, 'exercise', ['01-cpu-p', '1000000']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('1,000,000 rounds of SHA-256');
    expect(result.stdout).toContain(`It wrote: ${FOLDER}/cpu-1000000.pb.gz`);
  });

  it.each([
    [['cpu-profile'], /^no exercise "cpu-profile"; the closest: 01-cpu-profile, \S+, \S+ \(npm run workshop lists them all\)$/],
    [['01'], /^"01" could be 01-cpu-profile or 01-cpu-other: give more of the id$/],
    [[], /^name an exercise, e.g. 01-cpu-profile: one of 01-cpu-profile, 02-.*, 01-cpu-other$/],
  ])('refuses %j, naming the ids it could mean', (args, message) => {
    const result = workshopCommand(copy, 'exercise', args);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(message);
  });
});

describe('npm run check and npm run hint', () => {
  it('says not done yet with the reason in one line and how to ask for a hint, showing none itself', () => {
    const first = workshopCommand(copy, 'check', [ID]);
    expect(first.status).toBe(1);
    expect(first.stdout).toContain(
      'Not done yet: answers.json: "hashChain_samples_at_1000" is still empty: how many samples have hashChain on their stack at 1,000 rounds (a whole number, no quotes)',
    );
    expect(first.stdout).toMatch(/^Stuck\? npm run hint 01-cpu-profile shows a hint \(0 of 4 seen\)\.$/m);
    expect(first.stdout).not.toMatch(/Hint \d/);
    // Failing again and again reveals nothing.
    expect(workshopCommand(copy, 'check').stdout).not.toMatch(/Hint \d/);
    expect(state().hintsShown[ID] ?? 0).toBe(0);
  });

  it('reveals the hints one at a time, only when asked, and the last one again after that', () => {
    expect(workshopCommand(copy, 'hint').stdout).toMatch(/^01-cpu-profile: Hint 1 of 4: Run both steps first/m);
    expect(workshopCommand(copy, 'hint', [ID]).stdout).toMatch(/^01-cpu-profile: Hint 2 of 4: /m);
    expect(workshopCommand(copy, 'check', [ID]).stdout).toMatch(/^Stuck\? npm run hint 01-cpu-profile shows a hint \(2 of 4 seen\)\.$/m);
    expect(workshopCommand(copy, 'hint', [ID]).stdout).toMatch(/^01-cpu-profile: Hint 3 of 4: /m);
    const last = workshopCommand(copy, 'hint', [ID]).stdout;
    expect(last).toMatch(/^01-cpu-profile: Hint 4 of 4 \(the last: solutions\/01-cpu-profile\/ has the answers\): /m);
    expect(workshopCommand(copy, 'hint', [ID]).stdout).toBe(last);
    expect(workshopCommand(copy, 'check', [ID]).stdout).toMatch(/^Stuck\? npm run hint 01-cpu-profile shows the last hint again\.$/m);
    expect(state().hintsShown[ID]).toBe(4);
  });

  it.each([
    [
      '{"hashChain_samples_at_1000": 0,',
      /^Not done yet: answers.json is not valid JSON \(.+\): it holds one object, e.g. \{"hashChain_samples_at_1000": 10\}$/m,
    ],
    [
      '{"hashChain_samples_at_1000": 0}',
      /^Not done yet: answers.json has no "ms_per_sample": add it, a number, no quotes: how many ms of CPU time one sample of cpu-1000000.pb.gz stands for on average/m,
    ],
    ['{"hashChain_samples_at_1000": "none"}', /^Not done yet: answers.json: "hashChain_samples_at_1000" should be a whole number, no quotes, not "none"/m],
    ['[]', /^Not done yet: answers.json must hold one object/m],
  ])('names what is wrong with answers.json %s', (text, message) => {
    writeFileSync(file('answers.json'), text);
    const result = workshopCommand(copy, 'check', [ID]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(message);
  });

  it("compares the answers with the learner's own profiles, names the confusion, and says which profile is missing", () => {
    applySolution(copy, ID, FOLDER);
    const answers = JSON.parse(readFileSync(file('answers.json'), 'utf8'));
    writeFileSync(file('answers.json'), JSON.stringify({ ...answers, hashChain_flat_percent: answers.hashChain_cum_percent }));
    expect(workshopCommand(copy, 'check', [ID]).stdout).toMatch(
      /^Not done yet: hashChain_flat_percent is [\d.]+: that is hashChain's cum% in cpu-1000000.pb.gz, not hashChain's flat% in cpu-1000000.pb.gz\. /m,
    );
    renameSync(file('cpu-1000000.pb.gz'), file('aside.pb.gz'));
    try {
      expect(workshopCommand(copy, 'check', [ID]).stdout).toMatch(
        /^Not done yet: exercises\/01-cpu-profile\/cpu-1000000.pb.gz is not there yet: make it with npm run exercise 01-cpu-profile 1000000$/m,
      );
    } finally {
      renameSync(file('aside.pb.gz'), file('cpu-1000000.pb.gz'));
    }
  });

  it('says done, exits 0 and records it once the answers match the profiles; npm run workshop shows the progress', () => {
    applySolution(copy, ID, FOLDER);
    const result = workshopCommand(copy, 'check', [ID]);
    const exercises = JSON.parse(readFileSync(join(copy, 'workshop.json'), 'utf8')).exercises as { id: string; title: string }[];
    const second = exercises[1]!;
    expect(result.stdout).toContain(`Done: ${ID}.`);
    expect(result.stdout).toContain(`Next: npm run exercise ${second.id}`);
    expect(result.status).toBe(0);
    expect(Object.keys(state().done)).toEqual([ID]);
    const overview = workshopCommand(copy, 'workshop').stdout.split('\n');
    const width = Math.max(...exercises.map((exercise) => exercise.id.length));
    expect(overview[0]).toMatch(new RegExp(`^The Node.js profiling workshop: 1 of ${exercises.length} done \\[#+\\.+\\]$`));
    expect(overview.slice(2, 4)).toEqual([
      `  done  ${ID.padEnd(width)}  A CPU profile: what sampling sees and misses`,
      `        ${second.id.padEnd(width)}  ${second.title}`,
    ]);
    expect(overview.at(-2)).toBe(`Next: npm run exercise ${second.id}   (the lesson: ${(exercises[1] as unknown as { folder: string }).folder}/README.md)`);
    // Progress stays out of git.
    expect(execFileSync('git', ['check-ignore', '.workshop-state.json'], { cwd: copy, encoding: 'utf8' }).trim()).toBe('.workshop-state.json');
  });

  it('watches the exercise: checks again when a file in its folder is saved', async () => {
    writeFileSync(file('answers.json'), '{}');
    const watcher = spawn(process.execPath, ['--import', 'tsx', join(copy, 'src/cli/workshop.ts'), 'watch', ID], {
      cwd: copy,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let output = '';
    watcher.stdout.on('data', (chunk) => (output += chunk));
    watcher.stderr.on('data', (chunk) => (output += chunk));
    try {
      await expect
        .poll(() => output, { timeout: 60_000, interval: 200 })
        .toMatch(/Not done yet: answers.json has no "hashChain_samples_at_1000"[\s\S]*Watching exercises\/01-cpu-profile\//);
      applySolution(copy, ID, FOLDER);
      await expect
        .poll(() => output, { timeout: 60_000, interval: 200 })
        .toMatch(/answers\.json changed\nChecking 01-cpu-profile\.\.\.\nDone: 01-cpu-profile\./);
    } finally {
      watcher.kill();
    }
  });
});

describe('npm run workshop -- reset', () => {
  it("restores the exercise's starting files, keeps the profiles it wrote, and forgets its progress", () => {
    const startingMain = readFileSync(file('main.ts'), 'utf8');
    writeFileSync(file('main.ts'), '// edited by the learner\n');
    applySolution(copy, ID, FOLDER);
    const result = workshopCommand(copy, 'workshop', ['reset', ID]);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(file('main.ts'), 'utf8')).toBe(startingMain);
    expect(JSON.parse(readFileSync(file('answers.json'), 'utf8')).hashChain_samples_at_1000).toBeNull();
    expect(existsSync(file('cpu-1000.pb.gz'))).toBe(true);
    expect(state().done[ID]).toBeUndefined();
    expect(state().hintsShown[ID]).toBeUndefined();
  });
});

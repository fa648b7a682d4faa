import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/run.ts';
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
/**
 * Each test runs learner commands one after another (node with tsx each, a million SHA-256 rounds
 * for one): with CPU hogs on both cores (Node 24, load average 30) the million rounds alone took
 * 182 s of the clock for 6 s of CPU, and four tests passed the default 60 s. The timeouts guard
 * against a hang; how fast a command starts is not what these tests check.
 */
const runsCommands = { timeout: 600_000 };

beforeAll(() => {
  copy = workshopCopy();
  const metadata = JSON.parse(readFileSync(join(copy, 'workshop.json'), 'utf8'));
  metadata.exercises.push({ id: '01-cpu-other', folder: FOLDER, title: 'A second exercise with the same prefix', kind: 'exercise', runs: [], hints: ['none'] });
  writeFileSync(join(copy, 'workshop.json'), JSON.stringify(metadata));
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('npm run exercise', runsCommands, () => {
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

describe('npm run check and npm run hint', runsCommands, () => {
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
        .poll(() => output, { timeout: 300_000, interval: 200 })
        .toMatch(/Not done yet: answers.json has no "hashChain_samples_at_1000"[\s\S]*Watching exercises\/01-cpu-profile\//);
      applySolution(copy, ID, FOLDER);
      await expect
        .poll(() => output, { timeout: 300_000, interval: 200 })
        .toMatch(/answers\.json changed\nChecking 01-cpu-profile\.\.\.\nDone: 01-cpu-profile\./);
    } finally {
      watcher.kill();
    }
  });
});

describe('npm run workshop -- reset', runsCommands, () => {
  // A copy without git, as a learner who downloaded the workshop has it.
  let downloaded: string;
  const at = (path: string) => join(downloaded, FOLDER, path);
  const starting = (path: string) => readFileSync(join(repoRoot, FOLDER, path), 'utf8');
  const progress = () => JSON.parse(readFileSync(join(downloaded, '.workshop-state.json'), 'utf8'));
  beforeAll(() => {
    downloaded = workshopCopy({ git: false });
  });
  afterAll(() => rmSync(downloaded, { recursive: true, force: true }));

  it("without git, puts back the files the learner edited or deleted, keeps theirs in a backup and what they added in place, and forgets the exercise's progress", () => {
    expect(existsSync(join(downloaded, '.git'))).toBe(false);
    writeFileSync(at('main.ts'), '// edited by the learner\n');
    writeFileSync(at('answers.json'), '{"hashChain_samples_at_1000": 3}\n');
    rmSync(at('check.test.ts'));
    writeFileSync(at('cpu-1000.pb.gz'), 'a profile a run wrote');
    mkdirSync(at('scratch'));
    writeFileSync(at('scratch/try.ts'), "// the learner's own\n");
    const other = { done: { '02-basic-http': '2026-01-01T00:00:00.000Z' }, hintsShown: { '02-basic-http': 1 } };
    writeFileSync(
      join(downloaded, '.workshop-state.json'),
      JSON.stringify({ current: ID, done: { [ID]: '2026-01-02T00:00:00.000Z', ...other.done }, hintsShown: { [ID]: 2, ...other.hintsShown } }),
    );

    const result = workshopCommand(downloaded, 'workshop', ['reset', '1']);
    expect(result.status, result.stderr).toBe(0);
    const backup = /yours is now (\.workshop-backups\/01-cpu-profile\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ)\/answers\.json/.exec(result.stdout)?.[1];
    expect(backup, result.stdout).toBeDefined();
    expect(result.stdout.split('\n')).toEqual([
      `Reset ${ID}: ${FOLDER}/ has its starting files again.`,
      '  unchanged  README.md',
      `  restored   answers.json    yours is now ${backup}/answers.json`,
      '  recreated  check.test.ts   it had been deleted',
      '  kept       cpu-1000.pb.gz  not a starting file: left as it is',
      `  restored   main.ts         yours is now ${backup}/main.ts`,
      '  kept       scratch/try.ts  not a starting file: left as it is',
      `Nothing is lost: your versions of the files it replaced are in ${backup}/`,
      'Progress forgotten: it is no longer marked done, and its hints start again from the first (2 of 4 had been seen).',
      '',
    ]);
    for (const path of ['README.md', 'answers.json', 'check.test.ts', 'main.ts']) expect(readFileSync(at(path), 'utf8'), path).toBe(starting(path));
    expect(readFileSync(join(downloaded, backup!, 'main.ts'), 'utf8')).toBe('// edited by the learner\n');
    expect(readFileSync(join(downloaded, backup!, 'answers.json'), 'utf8')).toBe('{"hashChain_samples_at_1000": 3}\n');
    expect(readFileSync(at('cpu-1000.pb.gz'), 'utf8')).toBe('a profile a run wrote');
    expect(readFileSync(at('scratch/try.ts'), 'utf8')).toBe("// the learner's own\n");
    // The other exercises' progress, and which one the learner is on, stay.
    expect(progress()).toEqual({ current: ID, ...other });

    // The restored check runs: the exercise is as it started, not done.
    expect(workshopCommand(downloaded, 'check', [ID]).stdout).toContain('Not done yet: answers.json: "hashChain_samples_at_1000" is still empty');
    const again = workshopCommand(downloaded, 'workshop', ['reset', ID]);
    expect(again.stdout).toMatch(new RegExp(`^Reset ${ID}: ${FOLDER}/ already had its starting files\\.\n`));
    expect(again.stdout).not.toContain('Nothing is lost');
    expect(again.stdout.trim().split('\n').at(-1)).toBe('It had no progress to forget.');
    expect(readdirSync(join(downloaded, '.workshop-backups', ID))).toHaveLength(1);
  });

  it('in a clone where the learner committed their work, puts back the starting files, not the commit', () => {
    writeFileSync(file('main.ts'), '// edited and committed by the learner\n');
    execFileSync('git', ['-c', 'user.name=learner', '-c', 'user.email=learner@localhost', 'commit', '-q', '-am', 'my work'], { cwd: copy });
    const result = workshopCommand(copy, 'workshop', ['reset', ID]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}restored {3}main\.ts +yours is now \.workshop-backups\/01-cpu-profile\/[^/]+\/main\.ts$/m);
    expect(readFileSync(file('main.ts'), 'utf8')).toBe(starting('main.ts'));
  });

  it.each([
    [['reset', 'cpu-profil'], /^no exercise "cpu-profil"; the closest: 01-cpu-profile, \S+, \S+ \(npm run workshop lists them all\)$/],
    [['reset'], /^name the exercise to reset, e\.g\. npm run workshop -- reset 01-cpu-profile$/],
  ])('refuses %j in one line and touches nothing', (args, message) => {
    writeFileSync(at('main.ts'), '// still mine\n');
    const result = workshopCommand(downloaded, 'workshop', args);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stdout).toBe('');
    expect(readFileSync(at('main.ts'), 'utf8')).toBe('// still mine\n');
  });
});

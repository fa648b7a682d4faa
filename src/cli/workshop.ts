/**
 * The workshop's runner, behind the npm scripts:
 *
 *   npm run exercise 01-cpu-profile [args]   run the exercise's main.ts (its number works: 1 or 01)
 *   npm run check [01-cpu-profile]           check it: done, or not yet and why (no hint: those are asked for)
 *   npm run hint [01-cpu-profile]            the next hint, one at a time
 *   npm run workshop                         every exercise, done or not, and what is next
 *   npm run workshop -- watch [id]           check again whenever a file of the exercise is saved
 *   npm run workshop -- reset <id>           restore the exercise's starting files (yours kept in .workshop-backups/)
 *
 * Without an id, check and hint take the exercise last run. Progress is kept in
 * .workshop-state.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, watch } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkshopError, findExercise, loadExercises, type Exercise } from '../workshop/metadata.ts';
import { runCheck } from '../workshop/run-check.ts';
import { BACKUPS, type ResetStep, readStartingFiles, resetFolder, STARTING_FILES } from '../workshop/starting-files.ts';
import { readProgress, writeProgress, type Progress } from '../workshop/state.ts';
import { bar } from './progress.ts';
import { endWhenOutputCloses, exitLike, relayStopSignals } from './signals.ts';
import { typescriptNodeFlags } from '../loader/node-flags.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const say = (line = '') => process.stdout.write(`${line}\n`);
endWhenOutputCloses();

/** The exercise named, or the one last run when none is. */
function chosen(exercises: readonly Exercise[], progress: Progress, query: string | undefined): Exercise {
  if (!query && progress.current && exercises.some((exercise) => exercise.id === progress.current)) return findExercise(exercises, progress.current);
  return findExercise(exercises, query);
}

/** Each file under the folder with when it was last written, to tell what a run wrote. */
function snapshot(folder: string): Map<string, number> {
  const files = new Map<string, number>();
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path, statSync(path).mtimeMs);
  }
  return files;
}

async function exercise(exercises: readonly Exercise[], query: string | undefined, args: readonly string[]): Promise<number> {
  const found = findExercise(exercises, query);
  const folder = join(root, found.folder);
  const progress = readProgress(root);
  progress.current = found.id;
  writeProgress(root, progress);
  say(`${found.id}: ${found.title}`);
  say(`(the lesson: ${found.folder}/README.md)`);
  say();
  const before = snapshot(folder);
  const { code, signal } = await new Promise<{ code: number; signal: NodeJS.Signals | null }>((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', ...typescriptNodeFlags(), 'main.ts', ...args], { cwd: folder, stdio: 'inherit' });
    // Stopped by any signal, to any of us, the program gets it and we wait for it to end.
    relayStopSignals(child);
    child.on('close', (exitCode, endedBy) => resolve({ code: exitCode ?? 1, signal: endedBy }));
  });
  const written = [...snapshot(folder)]
    .filter(([path, modified]) => before.get(path) !== modified)
    .map(([path]) => relative(root, path))
    .sort();
  say();
  if (signal) say(`main.ts was stopped by ${signal}.`);
  else if (code !== 0) say(`main.ts exited with code ${code}.`);
  say(written.length > 0 ? `It wrote: ${written.join(', ')}` : 'It wrote no files.');
  const profiles = written.filter((path) => /\.(pb\.gz|pb)$/.test(path));
  say('Next:');
  for (const profile of profiles) say(`  npm run pprof -- -top ${profile}`);
  say(`  npm run check ${found.id}   (when answers.json is filled in)`);
  // Ended by a signal: end by it too, so npm and the shell know it was stopped.
  if (signal) exitLike(code, signal);
  return code;
}

/** Shows the next hint not yet shown (or, all shown, the last again) and remembers it. */
function nextHint(found: Exercise, progress: Progress): string {
  const shown = progress.hintsShown[found.id] ?? 0;
  const index = Math.min(shown, found.hints.length - 1);
  progress.hintsShown[found.id] = Math.max(shown, index + 1);
  const last = index === found.hints.length - 1 ? ` (the last: solutions/${found.id}/ has the answers)` : '';
  return `Hint ${index + 1} of ${found.hints.length}${last}: ${found.hints[index]}`;
}

async function check(exercises: readonly Exercise[], query: string | undefined): Promise<number> {
  const found = chosen(exercises, readProgress(root), query);
  const checkFile = join(root, found.folder, 'check.test.ts');
  if (!existsSync(checkFile)) throw new WorkshopError(`${found.folder} has no check.test.ts: npm run workshop -- reset ${found.id} restores it`);
  say(`Checking ${found.id}...`);
  const verdict = await runCheck(root, checkFile);
  // Read after the check: a hint asked for meanwhile in another terminal counts.
  const progress = readProgress(root);
  progress.current = found.id;
  if (verdict.done) {
    progress.done[found.id] ??= new Date().toISOString();
    writeProgress(root, progress);
    say(`Done: ${found.id}.`);
    const next = exercises.find((candidate) => !progress.done[candidate.id]);
    say(next ? `Next: npm run exercise ${next.id}   (${next.title})` : 'That was the last one: every exercise is done.');
    return 0;
  }
  say(`Not done yet: ${verdict.reason}`);
  // A hint only when asked for: a check that fails gives the way to ask, never the hint itself.
  const shown = progress.hintsShown[found.id] ?? 0;
  say(
    shown < found.hints.length
      ? `Stuck? npm run hint ${found.id} shows a hint (${shown} of ${found.hints.length} seen).`
      : `Stuck? npm run hint ${found.id} shows the last hint again.`,
  );
  writeProgress(root, progress);
  return 1;
}

function hint(exercises: readonly Exercise[], query: string | undefined): number {
  const progress = readProgress(root);
  const found = chosen(exercises, progress, query);
  say(`${found.id}: ${nextHint(found, progress)}`);
  writeProgress(root, progress);
  return 0;
}

function overview(exercises: readonly Exercise[]): number {
  const progress = readProgress(root);
  const done = exercises.filter((exercise) => progress.done[exercise.id]).length;
  say(`The Node.js profiling workshop: ${done} of ${exercises.length} done ${bar(done, exercises.length, 20)}`);
  say();
  const width = Math.max(...exercises.map((exercise) => exercise.id.length));
  for (const exercise of exercises) {
    const mark = progress.done[exercise.id] ? 'done' : exercise.id === progress.current ? 'now ' : '    ';
    say(`  ${mark}  ${exercise.id.padEnd(width)}  ${exercise.title}${exercise.kind === 'debugme' ? ' (debugme)' : ''}`);
  }
  say();
  const next =
    progress.current && !progress.done[progress.current]
      ? exercises.find((exercise) => exercise.id === progress.current)
      : exercises.find((exercise) => !progress.done[exercise.id]);
  if (!next) say('Every exercise is done.');
  else if (next.id === progress.current) say(`Next: finish ${next.id}: npm run check ${next.id} (npm run hint ${next.id} for a hint)`);
  else say(`Next: npm run exercise ${next.id}   (the lesson: ${next.folder}/README.md)`);
  return 0;
}

/** Checks now, then again after each save in the folder, until interrupted. */
async function watchExercise(exercises: readonly Exercise[], query: string | undefined): Promise<number> {
  const found = chosen(exercises, readProgress(root), query);
  const folder = join(root, found.folder);
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async (why: string) => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    say(`\n[${new Date().toLocaleTimeString('en-GB')}] ${why}`);
    await check(exercises, found.id);
    running = false;
    if (again) {
      again = false;
      await run('saved again while checking');
    }
    say(`Watching ${found.folder}/ for saves (Ctrl-C to stop)...`);
  };
  watch(folder, { recursive: true }, (_event, file) => {
    clearTimeout(timer);
    // Editors save in bursts (a temporary file, a rename): check once they are done.
    timer = setTimeout(() => void run(`${file ?? 'a file'} changed`), 300);
  });
  await run(`watching ${found.id}`);
  return new Promise<number>(() => {});
}

/** A folder of its own for this reset's backups, named by the time (to the second, for ordering), never one already there. */
function backupFolderFor(found: Exercise): string {
  const stamp = `${new Date().toISOString().slice(0, 19).replaceAll(':', '-')}Z`;
  let folder = join(BACKUPS, found.id, stamp);
  for (let count = 2; existsSync(join(root, folder)); count++) folder = join(BACKUPS, found.id, `${stamp}-${count}`);
  return folder;
}

/** What a line of reset's report adds to the file's name: where the learner's version went, or why it was left. */
function whatResetDid(step: ResetStep): string {
  const shown = (path: string) => relative(root, path).split(sep).join('/');
  switch (step.action) {
    case 'restored':
      return `yours is now ${shown(step.backup)}`;
    case 'moved':
      return `not a starting file, in the way of one: moved to ${shown(step.backup)}`;
    case 'recreated':
      return 'it had been deleted';
    case 'kept':
      return 'not a starting file: left as it is';
    case 'unchanged':
      return '';
  }
}

/**
 * Puts the exercise's starting files back from the copy the workshop came with (no git needed),
 * says per file what it did, and forgets the exercise's progress: its answers are blank again,
 * so it is no longer done, and its hints start over.
 */
function reset(exercises: readonly Exercise[], query: string | undefined): number {
  if (!query) throw new WorkshopError('name the exercise to reset, e.g. npm run workshop -- reset 01-cpu-profile');
  const found = findExercise(exercises, query);
  const starting = readStartingFiles(root).get(found.folder);
  if (!starting)
    throw new WorkshopError(`${STARTING_FILES} has no starting files for ${found.folder}: it does not match workshop.json; download the workshop again`);
  const backupFolder = backupFolderFor(found);
  let steps: ResetStep[];
  try {
    steps = resetFolder(join(root, found.folder), starting, join(root, backupFolder));
  } catch (error) {
    if (error instanceof WorkshopError) throw error;
    const saved = existsSync(join(root, backupFolder)) ? `; what it had replaced so far is in ${backupFolder}/` : '';
    throw new WorkshopError(`reset of ${found.folder} stopped: ${(error as Error).message}${saved}`);
  }
  const changed = steps.some((step) => step.action !== 'unchanged' && step.action !== 'kept');
  say(changed ? `Reset ${found.id}: ${found.folder}/ has its starting files again.` : `Reset ${found.id}: ${found.folder}/ already had its starting files.`);
  const width = Math.max(...steps.map((step) => step.path.length));
  for (const step of steps) {
    const note = whatResetDid(step);
    say(`  ${step.action.padEnd(9)}  ${note ? `${step.path.padEnd(width)}  ${note}` : step.path}`);
  }
  if (steps.some((step) => step.action === 'restored' || step.action === 'moved'))
    say(`Nothing is lost: your versions of the files it replaced are in ${backupFolder.split(sep).join('/')}/`);
  const progress = readProgress(root);
  const wasDone = progress.done[found.id] !== undefined;
  const hintsSeen = progress.hintsShown[found.id] ?? 0;
  delete progress.done[found.id];
  delete progress.hintsShown[found.id];
  writeProgress(root, progress);
  const forgotten = [
    ...(wasDone ? ['it is no longer marked done'] : []),
    ...(hintsSeen > 0 ? [`its hints start again from the first (${hintsSeen} of ${found.hints.length} had been seen)`] : []),
  ];
  say(forgotten.length > 0 ? `Progress forgotten: ${forgotten.join(', and ')}.` : 'It had no progress to forget.');
  return 0;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    const exercises = loadExercises(root);
    switch (command) {
      case 'exercise':
        return await exercise(exercises, rest[0], rest.slice(1));
      case 'check':
        return await check(exercises, rest[0]);
      case 'hint':
        return hint(exercises, rest[0]);
      case undefined:
      case 'list':
        return overview(exercises);
      case 'watch':
        return await watchExercise(exercises, rest[0]);
      case 'reset':
        return reset(exercises, rest[0]);
      default:
        throw new WorkshopError(
          `unknown command ${command}: npm run workshop [-- watch [id] | reset <id>], npm run exercise <id>, npm run check <id>, npm run hint <id>`,
        );
    }
  } catch (error) {
    if (!(error instanceof WorkshopError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));

import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { repoRoot } from './run.ts';

/**
 * A copy of the repository to do exercises in: its files as git sees them (committed or new, not
 * ignored), node_modules linked, and committed in a git repository of its own, as a learner who
 * cloned it has it; with `git: false`, no repository, as a learner who downloaded the files has
 * it. The learner's files of one test cannot leak into another.
 */
export function workshopCopy(options: { git?: boolean } = {}): string {
  const copy = mkdtempSync(join(tmpdir(), 'workshop-copy-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    try {
      cpSync(join(repoRoot, file), join(copy, file));
    } catch {
      // Listed by git but deleted in the working tree.
    }
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'), 'dir');
  if (options.git === false) return copy;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: copy, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=workshop', '-c', 'user.email=workshop@localhost', 'commit', '-q', '-m', 'starting files');
  return copy;
}

type WorkshopScript = 'exercise' | 'check' | 'hint' | 'workshop';

/** The command line of `npm run <script> -- args` in the copy, without npm: node and its arguments. */
export function workshopArgv(copy: string, command: WorkshopScript, args: string[] = []): string[] {
  const cli = join(copy, 'src/cli/workshop.ts');
  return [process.execPath, '--import', 'tsx', cli, ...(command === 'workshop' ? args : [command, ...args])];
}

/**
 * `npm run <script> -- args` in the copy, as a learner runs it, without npm. Its timeout bounds a
 * hang: on a busy machine (load average 30) a million rounds of exercise 01 took 182 s.
 */
export function workshopCommand(copy: string, command: WorkshopScript, args: string[] = []): SpawnSyncReturns<string> {
  const [node, ...argv] = workshopArgv(copy, command, args);
  return spawnSync(node!, argv, { cwd: copy, encoding: 'utf8', timeout: 600_000, env: { ...process.env, FORCE_COLOR: '0' } });
}

/**
 * Solves the exercise in the copy: copies solutions/<id>/ over its folder (its fixed code, and
 * answers.json where the answers do not depend on the run), then runs solutions/<id>/solve.ts
 * where there is one: the procedure that reads the learner's own profiles with `npm run pprof`
 * and writes answers.json from what they print. `solve: false` copies the code alone, for a copy
 * whose exercises have not been run.
 */
export function applySolution(copy: string, id: string, folder: string, options: { solve?: boolean } = {}): void {
  const solution = join(copy, 'solutions', id);
  cpSync(solution, join(copy, folder), { recursive: true, filter: (source) => basename(source) !== SOLVER });
  if (options.solve === false || !existsSync(join(solution, SOLVER))) return;
  const solved = spawnSync(process.execPath, ['--import', 'tsx', join(solution, SOLVER), join(copy, folder)], {
    cwd: copy,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (solved.status !== 0) throw new Error(`solutions/${id}/${SOLVER} failed: ${solved.stderr || solved.error?.message}`);
}

/** The procedure a solution to read-the-profile questions is. */
export const SOLVER = 'solve.ts';

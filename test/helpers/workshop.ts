import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from './run.ts';

/**
 * A copy of the repository to do exercises in: its files as git sees them (committed or new, not
 * ignored), node_modules linked, and committed in a git repository of its own, so that reset
 * has starting files to restore. The learner's files of one test cannot leak into another.
 */
export function workshopCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), 'workshop-copy-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    try {
      cpSync(join(repoRoot, file), join(copy, file));
    } catch {
      // Listed by git but deleted in the working tree.
    }
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: copy, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=workshop', '-c', 'user.email=workshop@localhost', 'commit', '-q', '-m', 'starting files');
  return copy;
}

/** `npm run <script> -- args` in the copy, as a learner runs it, without npm. */
export function workshopCommand(copy: string, command: 'exercise' | 'check' | 'hint' | 'workshop', args: string[] = []): SpawnSyncReturns<string> {
  const cli = join(copy, 'src/cli/workshop.ts');
  const commandArgs = command === 'workshop' ? args : [command, ...args];
  return spawnSync(process.execPath, ['--import', 'tsx', cli, ...commandArgs], { cwd: copy, encoding: 'utf8', timeout: 180_000, env: { ...process.env, FORCE_COLOR: '0' } });
}

/** Copies solutions/<id>/ over the exercise's folder, as the solution's README says to. */
export function applySolution(copy: string, id: string, folder: string): void {
  cpSync(join(copy, 'solutions', id), join(copy, folder), { recursive: true });
}

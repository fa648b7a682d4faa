import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { writeFileAtomic } from '../pprof/index.ts';
import { type Exercise, WorkshopError } from './metadata.ts';

/**
 * Every exercise's starting files, packed into one file of the repository, so that `npm run
 * workshop -- reset` needs neither git nor history the learner may have rewritten by committing
 * their own work. One generated file rather than a second tree of copies: tsc, vitest, the
 * linter and an editor's "go to file" never meet a second main.ts or check.test.ts, and a diff
 * shows one changed line per changed file. In the repository the working files are the
 * starting files; test/workshop/starting-files.test.ts fails when the two part, and
 * `npm run workshop:pack` writes them again.
 */
export const STARTING_FILES = 'workshop-starting-files.json';

/** Where reset moves the learner's versions of the files it replaces, one folder per reset. */
export const BACKUPS = '.workshop-backups';

/** Folder (from the root) to its files: path inside the folder, with `/`, to the file's bytes. */
export type StartingFiles = Map<string, Map<string, Buffer>>;

/** A file as the pack holds it: its text, or its bytes in base64 when they are not UTF-8 text. */
type PackedFile = string | { base64: string };

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The pack's text: folders and files sorted, one line per file, the same for the same files. */
export function encodeStartingFiles(files: StartingFiles): string {
  const folders: Record<string, Record<string, PackedFile>> = {};
  for (const folder of [...files.keys()].sort(byPath)) {
    const packed: Record<string, PackedFile> = {};
    const inFolder = files.get(folder)!;
    for (const path of [...inFolder.keys()].sort(byPath)) {
      const bytes = inFolder.get(path)!;
      const text = bytes.toString('utf8');
      packed[path] = Buffer.from(text, 'utf8').equals(bytes) ? text : { base64: bytes.toString('base64') };
    }
    folders[folder] = packed;
  }
  const about = `Each exercise's starting files, for npm run workshop -- reset. Written by npm run workshop:pack: edit the exercise, not this.`;
  return `${JSON.stringify({ about, folders }, null, 2)}\n`;
}

export function decodeStartingFiles(text: string): StartingFiles {
  const folders = (JSON.parse(text) as { folders?: unknown }).folders;
  if (typeof folders !== 'object' || folders === null) throw new Error('it holds no "folders"');
  const files: StartingFiles = new Map();
  for (const [folder, packed] of Object.entries(folders as Record<string, unknown>)) {
    if (typeof packed !== 'object' || packed === null) throw new Error(`"${folder}" holds no files`);
    const inFolder = new Map<string, Buffer>();
    for (const [path, file] of Object.entries(packed as Record<string, unknown>)) {
      if (!isSafePath(path)) throw new Error(`"${folder}" names a file outside its folder: ${path}`);
      if (typeof file === 'string') inFolder.set(path, Buffer.from(file, 'utf8'));
      else if (typeof (file as { base64?: unknown } | null)?.base64 === 'string')
        inFolder.set(path, Buffer.from((file as { base64: string }).base64, 'base64'));
      else throw new Error(`"${folder}/${path}" is neither text nor {"base64": ...}`);
    }
    files.set(folder, inFolder);
  }
  return files;
}

/** A relative path that stays inside its folder: a pack edited by hand cannot write elsewhere. */
const isSafePath = (path: string) =>
  path !== '' && !path.startsWith('/') && !path.includes('\\') && path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');

/** The starting files the workshop at `root` came with. */
export function readStartingFiles(root: string): StartingFiles {
  const path = join(root, STARTING_FILES);
  try {
    return decodeStartingFiles(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new WorkshopError(
      `${STARTING_FILES} cannot be read (${(error as Error).message}): it comes with the workshop; download the workshop again to get it back`,
    );
  }
}

/**
 * The starting files as they are in the repository at `root`, for its authors: each exercise
 * folder's files that git keeps or would keep (committed, or new and not ignored), so that the
 * profiles and scratch files git ignores are left out.
 */
export function collectStartingFiles(root: string, exercises: readonly Exercise[]): StartingFiles {
  const files: StartingFiles = new Map();
  for (const folder of [...new Set(exercises.map((exercise) => exercise.folder))].sort(byPath)) {
    let listed: string;
    try {
      listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', folder], { cwd: root, encoding: 'utf8' });
    } catch (error) {
      throw new WorkshopError(
        `cannot list the files of ${folder} with git (${(error as Error).message.trim()}): packing the starting files needs the workshop's git repository`,
      );
    }
    const inFolder = new Map<string, Buffer>();
    for (const file of listed.split('\0').filter(Boolean)) {
      const path = join(root, file);
      // Listed by git but deleted in the working tree: not a starting file any more.
      if (!existsSync(path) || !lstatSync(path).isFile()) continue;
      inFolder.set(relative(join(root, folder), path).split(sep).join('/'), readFileSync(path));
    }
    if (inFolder.size === 0) throw new WorkshopError(`${folder} has no files for git to list: is it spelt as in workshop.json, and added?`);
    files.set(folder, inFolder);
  }
  return files;
}

/** Where two sets of starting files differ, one line per file, sorted: empty when they agree. */
export function startingFilesDiffer(packed: StartingFiles, working: StartingFiles): string[] {
  const lines: string[] = [];
  for (const folder of [...new Set([...packed.keys(), ...working.keys()])].sort(byPath)) {
    const before = packed.get(folder) ?? new Map<string, Buffer>();
    const now = working.get(folder) ?? new Map<string, Buffer>();
    for (const path of [...new Set([...before.keys(), ...now.keys()])].sort(byPath)) {
      const was = before.get(path);
      const is = now.get(path);
      if (!was) lines.push(`${folder}/${path}: new, not in ${STARTING_FILES}`);
      else if (!is) lines.push(`${folder}/${path}: gone, still in ${STARTING_FILES}`);
      else if (!was.equals(is)) lines.push(`${folder}/${path}: changed since ${STARTING_FILES} was written`);
    }
  }
  return lines;
}

/** What reset did to one path of the folder. */
export type ResetStep =
  /** A starting file that differed (or a folder or link stood in its place): the learner's moved to `backup`, the starting one written. */
  | { path: string; action: 'restored'; backup: string }
  /** A starting file that was gone, written again. */
  | { path: string; action: 'recreated' }
  | { path: string; action: 'unchanged' }
  /** A file that is not a starting file stood where a starting file's folder goes: moved to `backup`. */
  | { path: string; action: 'moved'; backup: string }
  /** A file that is not a starting file (a profile a run wrote, the learner's own): left as it is. */
  | { path: string; action: 'kept' };

/**
 * Puts the starting files back in `folder` and says what it did, per path, sorted. Nothing is
 * lost: whatever it replaces is moved under `backupFolder` (made only when needed) at the same
 * relative path, and files that are not starting files stay where they are.
 */
export function resetFolder(folder: string, starting: ReadonlyMap<string, Buffer>, backupFolder: string): ResetStep[] {
  const steps: ResetStep[] = [];
  const moveAside = (path: string): string => {
    const backup = join(backupFolder, path);
    mkdirSync(dirname(backup), { recursive: true });
    renameSync(join(folder, path), backup);
    return backup;
  };
  const kindOf = (path: string) => {
    try {
      return lstatSync(join(folder, path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
  };
  if (kindOf('')?.isDirectory() === false) throw new WorkshopError(`${folder} is not a folder: move it away, then reset again`);
  mkdirSync(folder, { recursive: true });
  for (const path of [...starting.keys()].sort(byPath)) {
    const bytes = starting.get(path)!;
    const parts = path.split('/');
    // A file where one of the starting file's folders goes: out of the way first.
    for (let depth = 1; depth < parts.length; depth++) {
      const above = parts.slice(0, depth).join('/');
      const stat = kindOf(above);
      if (stat && !stat.isDirectory()) steps.push({ path: above, action: 'moved', backup: moveAside(above) });
    }
    const stat = kindOf(path);
    if (stat?.isFile() && readFileSync(join(folder, path)).equals(bytes)) {
      steps.push({ path, action: 'unchanged' });
      continue;
    }
    const step: ResetStep = stat ? { path, action: 'restored', backup: moveAside(path) } : { path, action: 'recreated' };
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileAtomic(join(folder, path), bytes);
    steps.push(step);
  }
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) continue;
    const path = relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (!starting.has(path)) steps.push({ path, action: 'kept' });
  }
  return steps.sort((a, b) => byPath(a.path, b.path));
}

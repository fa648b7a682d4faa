import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';

/**
 * Where reports find the source files a profile names, as go tool pprof does: `search` is
 * -source_path (directories joined by ':'), `trim` is -trim_path (prefixes joined by ':').
 */
export interface SourcePaths {
  search: string;
  trim: string;
}

/** Prefixes that profiles of programs run from a container or a build sandbox carry, always trimmed. */
const SANDBOX_PREFIXES = ['/proc/self/cwd/./', '/proc/self/cwd/'];

const splitList = (list: string): string[] => (list === '' ? [] : list.split(':'));

/**
 * A profile's file name as a report shows it. With no -trim_path, a name that contains the last
 * directory of a search path (`/x/my-project/`) is cut after it, so it can be found under that
 * directory; else the -trim_path prefixes, and the sandbox ones, are cut from its start.
 */
export function trimSourcePath(path: string, paths: SourcePaths): string {
  if (paths.trim === '') {
    for (const dir of splitList(paths.search)) {
      const marker = `/${posix.basename(dir) || (dir.startsWith('/') ? '/' : '.')}/`;
      const found = path.indexOf(marker);
      if (found !== -1) return path.slice(found + marker.length);
    }
  }
  for (let prefix of [...splitList(paths.trim), ...SANDBOX_PREFIXES]) {
    if (!prefix.endsWith('/')) prefix += '/';
    if (path.startsWith(prefix)) return path.slice(prefix.length);
  }
  return path;
}

/**
 * The path on disk of a source file a profile names, or why it cannot be had: a trimmed
 * absolute name as it is; a relative one looked for in each search directory and its parents.
 */
export function findSource(file: string, paths: SourcePaths): { path: string } | { error: string } {
  const path = trimSourcePath(file, paths);
  if (isAbsolute(path)) return { path };
  for (const start of splitList(paths.search)) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, path))) return { path: join(dir, path) };
      if (dirname(dir) === dir) break;
    }
  }
  return { error: `could not find file ${path} on path ${paths.search}` };
}

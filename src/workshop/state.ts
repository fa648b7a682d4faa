import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../pprof/index.ts';

/**
 * A learner's progress, kept in .workshop-state.json at the root (git ignores it): the exercise
 * they are on, which are done, and how many of each one's hints they have seen.
 */
export interface Progress {
  current?: string;
  /** Exercise id to when its check first passed (ISO time). */
  done: Record<string, string>;
  hintsShown: Record<string, number>;
}

export const STATE_FILE = '.workshop-state.json';

export function readProgress(root: string): Progress {
  const path = join(root, STATE_FILE);
  if (!existsSync(path)) return { done: {}, hintsShown: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Progress>;
    return { current: parsed.current, done: parsed.done ?? {}, hintsShown: parsed.hintsShown ?? {} };
  } catch {
    // A state file broken by hand starts over rather than stopping every command.
    return { done: {}, hintsShown: {} };
  }
}

/** Written whole or not at all, so an interrupted command leaves the last progress. */
export function writeProgress(root: string, progress: Progress): void {
  writeFileAtomic(join(root, STATE_FILE), Buffer.from(`${JSON.stringify(progress, null, 2)}\n`));
}

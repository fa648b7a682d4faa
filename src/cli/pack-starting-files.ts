/**
 * npm run workshop:pack
 *
 * For the workshop's authors: writes workshop-starting-files.json from the exercise folders as
 * they are in this repository (git's files, not the ones it ignores), which `npm run workshop --
 * reset` restores from. Run it after changing an exercise; the test suite fails until then.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../pprof/index.ts';
import { loadExercises, WorkshopError } from '../workshop/metadata.ts';
import { collectStartingFiles, decodeStartingFiles, encodeStartingFiles, STARTING_FILES, startingFilesDiffer } from '../workshop/starting-files.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
try {
  const working = collectStartingFiles(root, loadExercises(root));
  const path = join(root, STARTING_FILES);
  const before = existsSync(path) ? decodeStartingFiles(readFileSync(path, 'utf8')) : new Map();
  const changes = startingFilesDiffer(before, working);
  if (changes.length === 0) {
    process.stdout.write(`${STARTING_FILES} already holds every exercise's starting files.\n`);
  } else {
    writeFileAtomic(path, Buffer.from(encodeStartingFiles(working)));
    process.stdout.write(`Wrote ${STARTING_FILES}:\n${changes.map((change) => `  ${change}\n`).join('')}`);
  }
} catch (error) {
  if (!(error instanceof WorkshopError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 2;
}

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why `output` cannot be written, or undefined if it can: checked before any work, so that the
 * work (a profile of a whole program) is not lost for want of a directory.
 */
export function unwritableReason(output: string): string | undefined {
  if (existsSync(output) && statSync(output).isDirectory()) return `output ${output} is a directory: name a file, e.g. ${output}/cpu.pb.gz`;
  const directory = dirname(output);
  if (!existsSync(directory)) return `cannot write ${output}: directory ${directory} does not exist`;
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    return `cannot write ${output}: directory ${directory} is not writable`;
  }
  return undefined;
}

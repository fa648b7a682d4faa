// Where `npm run pprof` reads its profiles: files, Node's own profiles, or /debug/pprof URLs.
import { readFileSync } from 'node:fs';
import type { Profile } from '../pprof/index.ts';
import { ProfileFormatError, decodeProfile } from '../pprof/index.ts';
import { convertNodeProfile } from '../profilers/convert.ts';
import { simplifyFunctionNames } from '../report/names.ts';
import { mergeProfiles, negated } from '../report/merge.ts';
import { SourceError } from '../report/driver.ts';
import { fetchProfile, isUrl } from './pprof-fetch.ts';

/** A pprof file (gzipped or not) or a Node .cpuprofile/.heapprofile, as a pprof Profile. */
export function readSource(path: string): Profile {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SourceError(
      code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path} is a directory, not a profile` : `${path}: ${(error as Error).message}`,
    );
  }
  if (/\.(cpuprofile|heapprofile)$/.test(path)) return convertNodeProfile(path);
  try {
    return decodeProfile(data);
  } catch (error) {
    throw new ProfileFormatError(`${path}: ${(error as Error).message}`);
  }
}

/**
 * The sources (files, or /debug/pprof URLs) as one profile, merged even when there is one, as go
 * tool pprof does. `seconds` is added to URLs; `log` tells the person what the fetching does.
 */
export async function readSources(sources: readonly string[], seconds: number | undefined, log: (line: string) => void, base?: Base): Promise<Profile> {
  const read = async (paths: readonly string[]) => {
    const profiles: Profile[] = [];
    for (const path of paths) profiles.push(isUrl(path) ? await fetchProfile(path, seconds, log) : readSource(path));
    return mergeProfiles(profiles);
  };
  const profile = await read(sources);
  const whole = base ? mergeProfiles([profile, negated(await read([base.path]), { markAsBase: base.diff })]) : profile;
  simplifyFunctionNames(whole);
  return whole;
}

/**
 * A profile to compare with: -base subtracts it, and percentages are of what is left; -diff_base
 * subtracts it too, and percentages are of the base, as go tool pprof does both.
 */
export interface Base {
  path: string;
  diff: boolean;
}

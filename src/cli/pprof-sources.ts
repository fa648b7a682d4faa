// Where `npm run pprof` reads its profiles: files, Node's own profiles, or /debug/pprof URLs.
import { readFileSync } from 'node:fs';
import { ProfileFormatError, decodeProfile, emptyMapping, type Mapping, type Profile } from '../pprof/index.ts';
import { convertNodeProfile } from '../profilers/convert.ts';
import { simplifyFunctionNames } from '../report/names.ts';
import { dropUninterestingFrames } from '../report/prune.ts';
import { aloneForSums, mergeProfiles, negated } from '../report/merge.ts';
import { SUMMING_REPORTS, SourceError, type Report } from '../report/driver.ts';
import { fetchProfile, isUrl } from './pprof-fetch.ts';
import { optimizeFor, optimizeFully } from './jit.ts';

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
  optimizeFor(data);
  if (/\.(cpuprofile|heapprofile)$/.test(path)) return convertNodeProfile(path);
  try {
    return decodeProfile(data);
  } catch (error) {
    throw new ProfileFormatError(`${path}: ${(error as Error).message}`);
  }
}

/**
 * The sources (files, or /debug/pprof URLs) as one profile, merged even when there is one, as go
 * tool pprof does; for one report of `SUMMING_REPORTS` (`forReport`), a single source is as
 * good unmerged. `seconds` is added to URLs; `log` tells the person what the fetching does.
 */
export async function readSources(
  sources: readonly string[],
  seconds: number | undefined,
  log: (line: string) => void,
  base?: Base,
  forReport?: Report,
): Promise<Profile> {
  const read = async (paths: readonly string[]) => {
    const profiles: Profile[] = [];
    for (const path of paths) {
      // A profile fetched is of any size, and the fetch takes seconds anyway.
      if (isUrl(path)) optimizeFully();
      profiles.push(withMapping(isUrl(path) ? await fetchProfile(path, seconds, log) : readSource(path)));
    }
    const alone = profiles.length === 1 && !base && forReport && SUMMING_REPORTS.has(forReport) ? aloneForSums(profiles[0]!) : undefined;
    return alone ?? mergeProfiles(profiles);
  };
  const profile = await read(sources);
  const whole = base ? mergeProfiles([profile, negated(await read([base.path]), { markAsBase: base.diff })]) : profile;
  const main = whole.mappings[0];
  // go tool pprof would look for the main binary to symbolize from, and says when none is named.
  // Of the locations a sample reaches: an unmerged profile may list others.
  if (main && main.filename === '' && !hasSymbols(main) && whole.samples.some((sample) => sample.locations.some((location) => location.mapping === main))) {
    log('Main binary filename not available.');
  }
  dropUninterestingFrames(whole);
  simplifyFunctionNames(whole);
  return whole;
}

/**
 * The profile, or when it has no mappings at all (Go's runtime and @datadog/pprof write none),
 * the profile with one empty mapping that every location belongs to: go tool pprof adds it to
 * each source it reads, so -raw lists it and every location says M=1.
 */
function withMapping(profile: Profile): Profile {
  if (profile.mappings.length > 0) return profile;
  const empty = emptyMapping(1);
  for (const location of profile.locations) location.mapping = empty;
  return { ...profile, mappings: [empty] };
}

const hasSymbols = (mapping: Mapping) => mapping.hasFunctions || mapping.hasFilenames || mapping.hasLineNumbers;

/**
 * A profile to compare with: -base subtracts it, and percentages are of what is left; -diff_base
 * subtracts it too, and percentages are of the base, as go tool pprof does both.
 */
export interface Base {
  path: string;
  diff: boolean;
}

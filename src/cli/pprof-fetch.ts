import { mkdirSync, openSync, closeSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { Profile } from '../pprof/index.ts';
import { MAX_PROFILE_BYTES, ProfileFormatError, decodeProfile } from '../pprof/index.ts';
import { SourceError } from '../report/driver.ts';
import { progressBar } from './progress.ts';

/** A source that names a /debug/pprof endpoint rather than a file. */
export const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** Time the server gets beyond the profile's own seconds to answer, as go tool pprof allows. */
const SLACK_SECONDS = 60;

/**
 * Fetches a profile from a /debug/pprof endpoint (Go's or ours), with `seconds=N` added when
 * -seconds is given, a progress bar on a terminal while the server profiles, and a copy saved
 * where go tool pprof saves its own ($PPROF_TMPDIR, else ~/pprof), said on stderr.
 */
export async function fetchProfile(url: string, seconds: number | undefined, log: (line: string) => void): Promise<Profile> {
  const target = new URL(url);
  if (seconds !== undefined) target.searchParams.set('seconds', String(seconds));
  log(`Fetching profile over HTTP from ${target.href}`);
  const bar = seconds === undefined ? undefined : progressBar('profiling', seconds, 's');
  const started = Date.now();
  const ticker = bar && setInterval(() => bar.update(Math.floor((Date.now() - started) / 1000)), 250);
  let bytes: Uint8Array;
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(((seconds ?? 30) + SLACK_SECONDS) * 1000) });
    if (!response.ok) {
      const text = (await response.text()).split('\n')[0]!.slice(0, 200);
      throw new SourceError(`${target.href}: the server answered ${response.status} ${response.statusText}${text ? `: ${text}` : ''}`);
    }
    bytes = await bodyUpTo(response, MAX_PROFILE_BYTES, target.href);
  } catch (error) {
    if (error instanceof ProfileFormatError) throw error;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = (error as Error).name === 'TimeoutError' ? 'no answer in time' : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new SourceError(`cannot fetch ${target.href}: ${reason}`);
  } finally {
    if (ticker) clearInterval(ticker);
    bar?.stop();
  }
  let profile: Profile;
  try {
    profile = decodeProfile(bytes);
  } catch (error) {
    throw new ProfileFormatError(`${target.href} did not answer with a profile: ${(error as Error).message}`);
  }
  log(`Saved profile in ${saveCopy(profile, bytes)}`);
  return profile;
}

/**
 * The body, read until it passes `maxBytes` and no further: a server (or its Content-Encoding:
 * gzip, which fetch unpacks) could send gigabytes.
 */
async function bodyUpTo(response: Response, maxBytes: number, href: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ProfileFormatError(`${href} answered with more than ${maxBytes / 2 ** 20} MiB, more than any real profile: not read`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Saves the bytes fetched as pprof.<program>.<sample types>.NNN.pb.gz, a name not yet taken. */
function saveCopy(profile: Profile, bytes: Uint8Array): string {
  const directory = process.env.PPROF_TMPDIR || join(homedir(), 'pprof');
  mkdirSync(directory, { recursive: true });
  const program = profile.mappings[0] ? basename(profile.mappings[0].filename) : '';
  const types = profile.sampleTypes.map((type) => type.type).join('.');
  const prefix = ['pprof', program, types].filter(Boolean).join('.');
  for (let index = 1; index < 10_000; index++) {
    const path = join(directory, `${prefix}.${String(index).padStart(3, '0')}.pb.gz`);
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new SourceError(`cannot save a copy in ${directory}: ${(error as Error).message}`);
    }
    try {
      writeSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
    return path;
  }
  throw new SourceError(`cannot save a copy in ${directory}: 9999 copies are already there`);
}

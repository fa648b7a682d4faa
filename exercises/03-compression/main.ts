/**
 * Exercise 03: gzip under load, first with zlib's synchronous call, then with its async one.
 *
 *   npm run exercise 03-compression sync     gzipSync on the main thread         -> cpu-sync.pb.gz
 *   npm run exercise 03-compression async    zlib.gzip, four jobs at a time      -> cpu-async.pb.gz, wall-async.pb.gz
 *
 * Both runs do the same jobs: 96 gzips of 1 MiB of random bytes. Random bytes do not compress,
 * so deflate has to work on every one of them.
 */
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import { startCPUProfile, startWallProfile, stopCPUProfile, stopWallProfile, trackWait, writeProfile } from '#profiler';

const JOBS = 96;
/** Jobs in flight at once in the async run, as four workers would have. */
const WORKERS = 4;
const MiB = 2 ** 20;

const gzipAsync = promisify(gzip);

/** The data to compress: eight distinct MiB of random bytes, taken in turn. */
const uploads = Array.from({ length: 8 }, () => randomBytes(MiB));
const upload = (job: number) => uploads[job % uploads.length]!;

/** Every job, one after another, on the main thread. Returns the compressed bytes. */
function compressAllSync(): number {
  let written = 0;
  for (let job = 0; job < JOBS; job++) written += gzipSync(upload(job)).length;
  return written;
}

/** Every job, WORKERS at a time, each worker starting the next job when its last one is done. */
async function compressAllAsync(): Promise<number> {
  let next = 0;
  let written = 0;
  async function worker(): Promise<void> {
    while (next < JOBS) {
      const data = upload(next++);
      // The workshop's async tracker knows timers, fetch, fs, sockets... but not zlib:
      // trackWait tells it that this promise is a wait, so the wall profile can show it.
      const compressed = await trackWait(gzipAsync(data), 'gzip 1 MiB');
      written += compressed.length;
    }
  }
  await Promise.all(Array.from({ length: WORKERS }, worker));
  return written;
}

/** Runs the jobs one way and says how long they took. */
async function timed(how: string, compressAll: () => number | Promise<number>): Promise<void> {
  const started = performance.now();
  const written = await compressAll();
  const elapsedMs = performance.now() - started;
  console.log(`${how}: ${JOBS} MiB of random bytes gzipped in ${elapsedMs.toFixed(0)} ms (${(written / MiB).toFixed(1)} MiB out)`);
}

const mode = process.argv[2] ?? 'sync';
if (mode !== 'sync' && mode !== 'async') throw new Error(`say sync or async: npm run exercise 03-compression async (got ${mode})`);

// One job of each kind unprofiled first, so that the profiles show the work, not the warm-up.
gzipSync(upload(0));
await gzipAsync(upload(1));

if (mode === 'sync') {
  startCPUProfile();
  await timed('gzipSync', compressAllSync);
  writeProfile('cpu-sync.pb.gz', stopCPUProfile());
  console.log('wrote cpu-sync.pb.gz');
} else {
  startCPUProfile();
  await timed('zlib.gzip under a CPU profile', compressAllAsync);
  writeProfile('cpu-async.pb.gz', stopCPUProfile());
  startWallProfile();
  await timed('zlib.gzip under a wall profile', compressAllAsync);
  writeProfile('wall-async.pb.gz', stopWallProfile());
  console.log('wrote cpu-async.pb.gz and wall-async.pb.gz');
}

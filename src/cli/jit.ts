/**
 * How much of V8's compiling a run of `npm run pprof` is worth. A report starts without
 * TurboFan, V8's top-tier compiler: on a small profile it is over in a tenth of a second, and
 * TurboFan's compiles of its hot loops, on threads of their own but CPU all the same, cost more
 * there than they save (about a fifth of such a run; the other tiers, Maglev included, stay on).
 * Long work turns it back on: a large profile, a fetch. The prompt and the web UI keep it.
 */
import { setFlagsFromString } from 'node:v8';

/**
 * The bytes of profile, decompressed, from which TurboFan pays. On the pprof-top bench's
 * profiles, runs without it were as fast up to 3 MB gzipped and a tenth slower at 4 MB; on
 * Node 22 one of 0.6 MB gzipped (1.3 MB of records) already ran 1.3x Go's time without it.
 * Decompressed is what the work grows with: real profiles gzip 2 to 10 times.
 */
export const FULL_OPTIMIZATION_BYTES = 2 ** 20;

/**
 * TurboFan off, for a report. Node's modules that every run loads are loaded first, while the
 * flags are V8's defaults: V8 refuses the code Node keeps compiled of its own modules when the
 * flags differ, and would compile each from its source (process.stdout and stderr load theirs
 * on first use).
 */
export function startReport(): void {
  void process.stdout;
  void process.stderr;
  setFlagsFromString('--no-turbofan');
}

/** TurboFan on again, for the rest of the process; harmless where it never was off. */
export function optimizeFully(): void {
  setFlagsFromString('--turbofan');
}

let bytesRead = 0;

/**
 * Counts a profile's bytes read, as decompressed (a gzip member's last four bytes hold its size
 * modulo 4 GiB); TurboFan on again once the profiles read are large enough to pay for it.
 */
export function optimizeFor(data: Uint8Array): void {
  const gzipped = data.length >= 18 && data[0] === 0x1f && data[1] === 0x8b;
  const trailer = gzipped ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32LE(data.length - 4) : 0;
  bytesRead += Math.max(data.length, trailer);
  if (bytesRead >= FULL_OPTIMIZATION_BYTES) optimizeFully();
}

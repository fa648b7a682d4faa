import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Profile } from '../pprof/index.ts';
import { epochNanos } from './clock.ts';
import { inUse, post } from './session.ts';
import { DEFAULT_HEAP_INTERVAL_BYTES, heapProfileToPprof, type HeapProfileKind, type V8HeapProfile } from './v8-heap-profile.ts';

export interface HeapSamplingOptions {
  /** Average bytes allocated between samples; 512 KiB by default, as in Go and V8. */
  intervalBytes?: number;
}

/**
 * V8 has one sampling heap profiler per thread, so the in-use heap profile and the allocation
 * profile take turns: the first keeps only objects still alive, the second also those the GC
 * has collected, and V8 fixes which when sampling starts.
 */
let sampling: { kind: HeapProfileKind; intervalBytes: number; timeNanos: number } | undefined;

function startSampling(kind: HeapProfileKind, options: HeapSamplingOptions): void {
  const intervalBytes = options.intervalBytes ?? DEFAULT_HEAP_INTERVAL_BYTES;
  if (!Number.isInteger(intervalBytes) || intervalBytes < 1) throw new RangeError(`intervalBytes must be a positive integer, got ${options.intervalBytes}`);
  if (inUse.heapSampling) throw new Error(`V8's heap sampler is already in use (${inUse.heapSampling}); stop that first`);
  const keepCollected = kind === 'alloc';
  post('HeapProfiler.enable');
  post('HeapProfiler.startSampling', {
    samplingInterval: intervalBytes,
    includeObjectsCollectedByMajorGC: keepCollected,
    includeObjectsCollectedByMinorGC: keepCollected,
  });
  inUse.heapSampling = kind === 'inuse' ? 'the in-use heap profile' : 'an allocation profile';
  sampling = { kind, intervalBytes, timeNanos: epochNanos() };
}

function collect(kind: HeapProfileKind): { profile: V8HeapProfile; intervalBytes: number; timeNanos: number } {
  if (sampling?.kind !== kind) {
    const start = kind === 'inuse' ? 'startHeapProfiling()' : 'startAllocationProfile()';
    throw new Error(`no ${kind === 'inuse' ? 'heap' : 'allocation'} sampling is running in this module: call ${start} first`);
  }
  const { profile } = post<{ profile: V8HeapProfile }>('HeapProfiler.getSamplingProfile');
  return { profile, intervalBytes: sampling.intervalBytes, timeNanos: sampling.timeNanos };
}

function stopSampling(): void {
  sampling = undefined;
  inUse.heapSampling = undefined;
  post('HeapProfiler.stopSampling');
}

/**
 * Starts recording a sample of allocations, so heapProfile() can later tell what is alive and
 * where it was allocated. Allocations made before this call are not seen: start it early.
 */
export function startHeapProfiling(options: HeapSamplingOptions = {}): void {
  startSampling('inuse', options);
}

/**
 * A full, synchronous garbage collection. The inspector's HeapProfiler.collectGarbage answers
 * later, which an 'exit' handler cannot wait for; V8's own gc() runs at once. Exposing it to a
 * fresh context leaves the program's global scope as it was.
 */
function collectGarbageNow(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * The in-use heap now, as pprof inuse_space/bytes and inuse_objects/count. With `gc`, a full
 * garbage collection runs first, so only objects something still holds are counted.
 */
export function heapProfile(options: { gc?: boolean } = {}): Profile {
  if (options.gc && sampling?.kind === 'inuse') collectGarbageNow();
  const { profile, intervalBytes } = collect('inuse');
  return heapProfileToPprof(profile, { kind: 'inuse', intervalBytes, timeNanos: epochNanos(), mappingFile: process.argv[1], programOnly: true });
}

export function stopHeapProfiling(): void {
  collect('inuse');
  stopSampling();
}

/**
 * Starts recording every sampled allocation, including objects the GC collects afterwards,
 * so a function that churns garbage shows up even though it holds nothing.
 */
export function startAllocationProfile(options: HeapSamplingOptions = {}): void {
  startSampling('alloc', options);
}

/** Stops the allocation profile: alloc_space/bytes and alloc_objects/count over the window. */
export function stopAllocationProfile(): Profile {
  const { profile, intervalBytes, timeNanos } = collect('alloc');
  stopSampling();
  return heapProfileToPprof(profile, {
    kind: 'alloc',
    intervalBytes,
    timeNanos,
    durationNanos: epochNanos() - timeNanos,
    mappingFile: process.argv[1],
    programOnly: true,
  });
}

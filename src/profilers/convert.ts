import { readFileSync, statSync } from 'node:fs';
import type { Profile } from '../pprof/index.ts';
import { ProfileFormatError } from '../pprof/index.ts';
import { cpuProfileToPprof, type V8CpuProfile } from './v8-cpu-profile.ts';
import { DEFAULT_HEAP_INTERVAL_BYTES, heapProfileToPprof, type V8HeapProfile } from './v8-heap-profile.ts';

/**
 * Converts what Node writes with `--cpu-prof` (.cpuprofile) or `--heap-prof` (.heapprofile) to
 * pprof. Neither file records when it started, so the start is taken as the file's modification
 * time (Node writes it at exit) less the profile's duration. `--heap-prof` samples what is alive
 * at exit, so it becomes an in-use profile; pass the interval if --heap-prof-interval changed it.
 */
export function convertNodeProfile(path: string, options: { heapIntervalBytes?: number } = {}): Profile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ProfileFormatError(`${path} is not a Node profile: ${(error as Error).message}`);
  }
  const modifiedNanos = Math.round(statSync(path).mtimeMs * 1e6);
  if (isCpuProfile(data)) {
    const timeNanos = modifiedNanos - Math.round((data.endTime - data.startTime) * 1000);
    return cpuProfileToPprof(data, { timeNanos, mappingFile: path });
  }
  if (isHeapProfile(data)) {
    return heapProfileToPprof(data, {
      kind: 'inuse',
      intervalBytes: options.heapIntervalBytes ?? DEFAULT_HEAP_INTERVAL_BYTES,
      timeNanos: modifiedNanos,
      mappingFile: path,
    });
  }
  throw new ProfileFormatError(`${path} is neither a .cpuprofile (nodes, startTime, endTime) nor a .heapprofile (head)`);
}

function isCpuProfile(data: unknown): data is V8CpuProfile {
  const d = data as Partial<V8CpuProfile> | null;
  return !!d && Array.isArray(d.nodes) && typeof d.startTime === 'number' && typeof d.endTime === 'number';
}

function isHeapProfile(data: unknown): data is V8HeapProfile {
  const d = data as Partial<V8HeapProfile> | null;
  return !!d && typeof d.head === 'object' && d.head !== null && Array.isArray(d.head.children);
}

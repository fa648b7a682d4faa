import { readFileSync, statSync } from 'node:fs';
import type { Profile } from '../pprof/index.ts';
import { MAX_PROFILE_BYTES, ProfileFormatError, unpacked } from '../pprof/index.ts';
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
    // Gzipped too, as a copy kept small may be; refused past MAX_PROFILE_BYTES either way.
    if (statSync(path).size > MAX_PROFILE_BYTES)
      throw new ProfileFormatError(`the file is more than ${MAX_PROFILE_BYTES / 2 ** 20} MiB, more than any real profile: not read`);
    data = JSON.parse(Buffer.from(unpacked(readFileSync(path))).toString('utf8'));
  } catch (error) {
    throw new ProfileFormatError(`${path} is not a Node profile: ${(error as Error).message}`);
  }
  const modifiedNanos = Math.round(statSync(path).mtimeMs * 1e6);
  if (isCpuProfile(data)) {
    const problem = cpuProfileProblem(data);
    if (problem) throw new ProfileFormatError(`${path} is not a readable .cpuprofile: ${problem}`);
    const timeNanos = modifiedNanos - Math.round((data.endTime - data.startTime) * 1000);
    return cpuProfileToPprof(data, { timeNanos, mappingFile: path });
  }
  if (isHeapProfile(data)) {
    const problem = heapProfileProblem(data);
    if (problem) throw new ProfileFormatError(`${path} is not a readable .heapprofile: ${problem}`);
    return heapProfileToPprof(data, {
      kind: 'inuse',
      intervalBytes: options.heapIntervalBytes ?? DEFAULT_HEAP_INTERVAL_BYTES,
      timeNanos: modifiedNanos,
      mappingFile: path,
    });
  }
  throw new ProfileFormatError(`${path} is neither a .cpuprofile (nodes, startTime, endTime) nor a .heapprofile (head)`);
}

// What the converters read of V8's JSON, checked before they read it: a file from elsewhere may
// be cut short, edited or of another tool, and its reader is told where, in one line.

type Problem = string | undefined;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const numberAt = (value: unknown, where: string): Problem => (Number.isFinite(value) ? undefined : `${where} is not a number`);
const numbersAt = (value: unknown, where: string): Problem => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return `${where} is not a list`;
  const bad = value.findIndex((item) => !Number.isFinite(item));
  return bad === -1 ? undefined : `${where}[${bad}] is not a number`;
};

function callFrameProblem(frame: unknown, where: string): Problem {
  if (!isObject(frame)) return `${where} is not an object`;
  for (const key of ['functionName', 'url'] as const) if (typeof frame[key] !== 'string') return `${where}.${key} is not a string`;
  return numberAt(frame.lineNumber, `${where}.lineNumber`) ?? numberAt(frame.columnNumber, `${where}.columnNumber`);
}

function cpuProfileProblem(profile: V8CpuProfile): Problem {
  const ids = new Set<number>();
  for (const [i, node] of (profile.nodes as unknown[]).entries()) {
    const where = `nodes[${i}]`;
    if (!isObject(node)) return `${where} is not an object`;
    const problem =
      numberAt(node.id, `${where}.id`) ??
      callFrameProblem(node.callFrame, `${where}.callFrame`) ??
      numbersAt(node.children, `${where}.children`) ??
      (node.positionTicks === undefined || Array.isArray(node.positionTicks) ? undefined : `${where}.positionTicks is not a list`);
    if (problem) return problem;
    for (const [j, tick] of ((node.positionTicks ?? []) as unknown[]).entries()) {
      if (!isObject(tick)) return `${where}.positionTicks[${j}] is not an object`;
      const tickProblem = numberAt(tick.line, `${where}.positionTicks[${j}].line`) ?? numberAt(tick.ticks, `${where}.positionTicks[${j}].ticks`);
      if (tickProblem) return tickProblem;
    }
    if (ids.has(node.id as number)) return `${where}.id ${node.id} is another node's too`;
    ids.add(node.id as number);
  }
  const problem = numbersAt(profile.samples, 'samples') ?? numbersAt(profile.timeDeltas, 'timeDeltas');
  if (problem) return problem;
  const unknown = (profile.samples ?? []).findIndex((id) => !ids.has(id));
  if (unknown !== -1) return `samples[${unknown}] is node ${profile.samples![unknown]}, which is not in nodes`;
  // Each node is one other's child at most, and no node its own caller: the stacks have ends.
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      if (parentOf.has(child)) return `node ${child} is a child of both node ${parentOf.get(child)} and node ${node.id}`;
      parentOf.set(child, node.id);
    }
  }
  const ended = new Set<number>();
  for (const start of ids) {
    const path = new Set<number>();
    for (let id: number | undefined = start; id !== undefined && !ended.has(id); id = parentOf.get(id)) {
      if (path.has(id)) return `node ${id} is among its own callers`;
      path.add(id);
    }
    for (const id of path) ended.add(id);
  }
  return undefined;
}

function heapProfileProblem(profile: V8HeapProfile): Problem {
  // Walked without recursion: a heap profile's tree is as deep as the deepest stack.
  const pending: [unknown, string][] = [[profile.head, 'head']];
  const seen = new Set<unknown>();
  while (pending.length > 0) {
    const [node, where] = pending.pop()!;
    if (!isObject(node)) return `${where} is not an object`;
    const problem = numberAt(node.selfSize, `${where}.selfSize`) ?? callFrameProblem(node.callFrame, `${where}.callFrame`);
    if (problem) return problem;
    if (!Array.isArray(node.children)) return `${where}.children is not a list`;
    if (seen.has(node)) return `${where} is reached twice`;
    seen.add(node);
    // Named by their depth alone beyond the first levels: a full path would be as long as the stack.
    for (const [i, child] of node.children.entries())
      pending.push([child, where.length < 200 ? `${where}.children[${i}]` : `a node below ${where.slice(0, 40)}...`]);
  }
  for (const [i, sample] of (profile.samples ?? []).entries()) {
    if (!isObject(sample)) return `samples[${i}] is not an object`;
    const problem = numberAt(sample.size, `samples[${i}].size`) ?? numberAt(sample.nodeId, `samples[${i}].nodeId`);
    if (problem) return problem;
  }
  return undefined;
}

function isCpuProfile(data: unknown): data is V8CpuProfile {
  const d = data as Partial<V8CpuProfile> | null;
  return !!d && Array.isArray(d.nodes) && typeof d.startTime === 'number' && typeof d.endTime === 'number';
}

function isHeapProfile(data: unknown): data is V8HeapProfile {
  const d = data as Partial<V8HeapProfile> | null;
  return !!d && typeof d.head === 'object' && d.head !== null && Array.isArray(d.head.children);
}

import type { Profile } from '../pprof/index.ts';
import { ProfileBuilder, SourceMapper, type Frame } from '../pprof/index.ts';
import { actsForItsCaller, isToolFile } from './tool-frames.ts';
import { frameOf, type V8CallFrame } from './v8-cpu-profile.ts';

/** The shape of V8's sampling heap profile, as `HeapProfiler.getSamplingProfile` returns it and `--heap-prof` writes it. */
export interface V8HeapProfile {
  head: V8HeapNode;
  samples?: { size: number; nodeId: number; ordinal: number }[];
}
interface V8HeapNode {
  id: number;
  callFrame: V8CallFrame;
  selfSize: number;
  children: V8HeapNode[];
}

export type HeapProfileKind = 'inuse' | 'alloc';

export interface HeapConversionOptions {
  kind: HeapProfileKind;
  intervalBytes: number;
  timeNanos: number;
  durationNanos?: number;
  mapper?: SourceMapper;
  mappingFile?: string;
  /**
   * Leaves out what the profilers and the toolchain allocated (tool-frames.ts), as the CPU
   * profiles leave out their time. For profiles of this process only.
   */
  programOnly?: boolean;
}

/** Go's default, and V8's: one sample per 512 KiB allocated on average. */
export const DEFAULT_HEAP_INTERVAL_BYTES = 512 * 1024;

const COUNT_NOTE =
  "Bytes are V8's estimates of all bytes allocated at each site. Object counts are estimated from them: V8 reports " +
  'size x round(1/(1-exp(-size/interval))) per sample and not the size, so the size is solved from the unrounded curve; ' +
  'counts are within 2x for objects smaller than the interval and exact for objects over twice the interval.';

/**
 * Turns V8's sampling heap profile into pprof: inuse_space/bytes and inuse_objects/count for
 * what is alive, or alloc_space/bytes and alloc_objects/count when the profile also kept
 * objects the GC has since collected. Each sample carries a numeric label `bytes`, the object
 * size, as Go's heap profiles do.
 */
export function heapProfileToPprof(v8: V8HeapProfile, options: HeapConversionOptions): Profile {
  const mapper = options.mapper ?? new SourceMapper();
  const prefix = options.kind === 'inuse' ? 'inuse' : 'alloc';
  const builder = new ProfileBuilder({
    sampleTypes: [
      { type: `${prefix}_space`, unit: 'bytes' },
      { type: `${prefix}_objects`, unit: 'count' },
    ],
    periodType: { type: 'space', unit: 'bytes' },
    defaultSampleType: `${prefix}_space`,
    period: options.intervalBytes,
    timeNanos: options.timeNanos,
    durationNanos: options.durationNanos ?? 0,
    comments: [COUNT_NOTE],
    mappingFile: options.mappingFile,
  });

  // Iterative: a stack can be 100,000 frames deep. Each node keeps its frame and its caller, and
  // a stack is built only for a node with samples: copying every node's whole stack would take
  // depth² frames. A node is the tools' when its nearest frame with a file of its own is; Node's
  // and V8's frames take their caller's side.
  // A tool's own frame below the program's (tsx's require hook running a CommonJS module) has no
  // frame: the stack shows the program and Node, as in the CPU profile.
  const links = new Map<number, { frame: Frame | undefined; caller: number | undefined; tools: boolean }>();
  const nodes = new Map<number, V8HeapNode>();
  const pending: { node: V8HeapNode; caller: number | undefined; toolsParent: boolean }[] = [{ node: v8.head, caller: undefined, toolsParent: false }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, caller, toolsParent } = next;
    const isRoot = node === v8.head;
    const tools = !isRoot && options.programOnly === true && (actsForItsCaller(node.callFrame.url) ? toolsParent : isToolFile(node.callFrame.url));
    const toolsOwn = options.programOnly === true && isToolFile(node.callFrame.url);
    links.set(node.id, { frame: isRoot || toolsOwn ? undefined : frameOf(node.callFrame, mapper), caller, tools });
    nodes.set(node.id, node);
    for (const child of node.children) pending.push({ node: child, caller: node.id, toolsParent: tools });
  }
  const stacks = new Map<number, Frame[] | undefined>();
  const stackOf = (id: number): Frame[] | undefined => {
    if (stacks.has(id)) return stacks.get(id);
    const link = links.get(id);
    let stack: Frame[] | undefined;
    if (link && !link.tools) {
      stack = [];
      for (let at: typeof link | undefined = link; at; at = at.caller === undefined ? undefined : links.get(at.caller)) if (at.frame) stack.push(at.frame);
    }
    stacks.set(id, stack);
    return stack;
  };

  if (v8.samples) {
    const sorted = [...v8.samples].sort((a, b) => a.nodeId - b.nodeId || a.size - b.size);
    for (const sample of sorted) {
      const stack = stackOf(sample.nodeId);
      if (!stack || stack.length === 0) continue;
      const { objectSize, objects } = unscaleSample(sample.size, options.intervalBytes);
      builder.addSample(stack, [sample.size, objects], { bytes: { num: objectSize, unit: 'bytes' } });
    }
  } else {
    // Very old --heap-prof files carry only per-function totals: bytes without counts.
    for (const [id, node] of [...nodes].sort(([a], [b]) => a - b)) {
      const stack = node.selfSize > 0 ? stackOf(id) : undefined;
      if (stack && stack.length > 0) builder.addSample(stack, [node.selfSize, 0]);
    }
  }
  return builder.build();
}

/**
 * Estimates the object size and the number of objects one V8 heap sample stands for. V8 reports
 * `size x round(1/(1 - e^(-size/interval)))` bytes, already scaled up to all bytes allocated like
 * it, and keeps the size to itself. The rounding makes the size unrecoverable (16 B x 32769 and
 * 24 B x 21846 report the same), so the size is taken from the unrounded curve, which the
 * rounding straddles. Bytes are V8's own estimate; object counts are within 2x either way for
 * objects smaller than the interval, and exact for objects over twice the interval.
 */
export function unscaleSample(reported: number, interval: number): { objectSize: number; objects: number } {
  if (reported <= 0) return { objectSize: 0, objects: 0 };
  // size / (1 - e^(-size/interval)) grows with size: bisect for the size that gives `reported`.
  let low = 0;
  let high = reported;
  for (let i = 0; i < 64; i++) {
    const mid = (low + high) / 2;
    if (mid / (1 - Math.exp(-mid / interval)) < reported) low = mid;
    else high = mid;
  }
  const objects = Math.max(1, Math.round(reported / high));
  return { objectSize: Math.round(reported / objects), objects };
}

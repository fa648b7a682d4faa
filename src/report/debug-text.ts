import type { Profile } from '../pprof/index.ts';

/**
 * The text forms `/debug/pprof` serves with `?debug=1` and `?debug=2`, shaped as Go's are so that
 * people who read Go's read these: the heap by stack, and the async operations in flight (what
 * Go's goroutine pages list) grouped by stack or one by one.
 */

/** One async operation in flight, as the tracker reports it. */
export interface OperationRecord {
  readonly id: number;
  readonly kind: string;
  readonly description: string;
  /** How many operations it stands for (above 1 when the tracker sampled). */
  readonly weight: number;
  readonly ageMs: number;
  /** Where it started, innermost first. */
  readonly stack: readonly { readonly name: string; readonly file: string; readonly line: number }[];
}

const frameTexts = (operation: OperationRecord) => operation.stack.map((frame) => `${frame.name}\t${frame.file}:${frame.line}`);

/**
 * Go's goroutine?debug=1 form, which pprof reads as a legacy count profile: per stack, how many
 * operations wait there, most first, and the ids of its frames; then each frame under its id,
 * innermost first, what the operations wait for as the innermost, as in the pprof form. Go puts
 * program counters where the ids are; pprof needs one per frame, and these texts have none.
 */
export function operationsText(operations: readonly OperationRecord[]): string {
  const groups = new Map<string, { count: number; frames: string[] }>();
  for (const operation of operations) {
    const frames = [`${operation.kind} ${operation.description}`, ...frameTexts(operation)];
    const key = frames.join('\n');
    const group = groups.get(key) ?? { count: 0, frames };
    // As in the pprof form: what a wall profile's sampling recorded stands for the rest.
    group.count += Math.round(operation.weight);
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count || (a.frames[0]! < b.frames[0]! ? -1 : a.frames[0]! > b.frames[0]! ? 1 : 0));
  const total = sorted.reduce((sum, group) => sum + group.count, 0);
  const ids = new Map<string, string>();
  const idOf = (frame: string) => {
    let id = ids.get(frame);
    if (id === undefined) ids.set(frame, (id = `0x${(ids.size + 1).toString(16)}`));
    return id;
  };
  const blocks = sorted.map((group) => {
    const frameIds = group.frames.map(idOf);
    return `${group.count} @ ${frameIds.join(' ')}\n${group.frames.map((frame, i) => `#\t${frameIds[i]}\t${frame}`).join('\n')}\n`;
  });
  return `async profile: total ${total}\n${blocks.join('\n')}`;
}

/** Go's goroutine?debug=2 form: every operation with its kind and how long it has waited. */
export function operationListText(operations: readonly OperationRecord[]): string {
  return operations
    .map(
      (operation) =>
        `operation ${operation.id} [${operation.kind} ${operation.description}, ${age(operation.ageMs)}]:\n${operation.stack.map((frame) => `${frame.name}(...)\n\t${frame.file}:${frame.line}`).join('\n')}\n`,
    )
    .join('\n');
}

function age(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} seconds`;
  return `${Math.round(ms / 60_000)} minutes`;
}

/**
 * Go's heap?debug=1 form: per stack, objects and bytes in use, then its frames. pprof reads this
 * text as a legacy heap profile and scales its values by the rate after `@ heap/`, as Go's are
 * sampled counts; ours are V8's estimates of everything in use, already scaled. `heap/2` is what
 * Go writes when it records every allocation (twice a rate of 1), which pprof leaves as it is.
 */
export function heapText(profile: Profile): string {
  let objects = 0;
  let bytes = 0;
  const entries = profile.samples
    .map((sample) => {
      const [count, size] = [sample.values[1] ?? 0, sample.values[0] ?? 0];
      objects += count;
      bytes += size;
      const frames = sample.locations.flatMap((location) => location.lines.map((line) => `#\t${line.function.name}\t${line.function.filename}:${line.line}`));
      return { size, text: `${count}: ${size} [${count}: ${size}] @\n${frames.join('\n')}` };
    })
    .sort((a, b) => b.size - a.size);
  const sampling = profile.period > 0 ? ` from V8's sampling every ${profile.period} bytes` : '';
  const note = `# Objects and bytes in use, estimated${sampling}: already scaled, so heap/2 (a rate of 1) asks pprof not to scale them again.`;
  return `heap profile: ${objects}: ${bytes} [${objects}: ${bytes}] @ heap/2\n${note}\n${entries.map((entry) => entry.text).join('\n')}\n`;
}

import type { Location, Profile } from '../pprof/index.ts';

/**
 * The frames a profile asks its readers to drop (its drop_frames and keep_frames, which the
 * legacy formats set as go tool pprof sets them), dropped as go tool pprof drops them on reading:
 * a stack loses the first matching frame met from its root (past the first that does not
 * match) and every frame beneath it, so an allocation's stack ends at the code that called the
 * allocator. Expressions match whole names, their argument lists cut; one that does not compile
 * drops nothing, as in go tool pprof.
 */
export function dropUninterestingFrames(profile: Profile): void {
  if (profile.dropFrames === '') return;
  const drop = wholeName(profile.dropFrames);
  const keep = profile.keepFrames === '' ? undefined : wholeName(profile.keepFrames);
  if (drop === null || keep === null) return;
  const dropped = new Map<string, boolean>();
  const isDropped = (name: string) => {
    let answer = dropped.get(name);
    if (answer === undefined) {
      const bare = withoutArguments(name);
      answer = drop.test(bare) && !keep?.test(bare);
      dropped.set(name, answer);
    }
    return answer;
  };
  /** Locations whose every line is dropped, and those with some (their outer lines stay). */
  const whole = new Set<Location>();
  const beneath = new Set<Location>();
  for (const location of profile.locations) {
    // The outermost dropped line: it and the lines inlined into it go.
    let index = location.lines.length - 1;
    while (index >= 0) {
      const name = location.lines[index]!.function.name;
      if (name !== '' && isDropped(name)) break;
      index--;
    }
    if (index < 0) continue;
    beneath.add(location);
    if (index === location.lines.length - 1) whole.add(location);
    else location.lines = location.lines.slice(index + 1);
  }
  if (beneath.size === 0) return;
  for (const sample of profile.samples) {
    // From the root; frames before the first kept one stay, so that not all of a stack goes.
    let pastRoot = false;
    for (let i = sample.locations.length - 1; i >= 0; i--) {
      const location = sample.locations[i]!;
      if (!beneath.has(location)) {
        pastRoot = true;
        continue;
      }
      if (!pastRoot) continue;
      sample.locations = sample.locations.slice(whole.has(location) ? i + 1 : i);
      break;
    }
  }
}

/** The expression anchored to whole names; null for one that does not compile. */
function wholeName(source: string): RegExp | null {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    return null;
  }
}

/** Names the parts with parentheses keep: C++'s anonymous namespaces and call operators. */
const PARENTHESES = /\(anonymous namespace\)|operator\(\)|\(/g;

/** A function's name without its argument list (and a leading dot, as PowerPC's ELF names have). */
function withoutArguments(name: string): string {
  const bare = name.startsWith('.') ? name.slice(1) : name;
  for (const match of bare.matchAll(PARENTHESES)) if (match[0] === '(') return bare.slice(0, match.index);
  return bare;
}

/**
 * What the slides may say about a profile they draw, computed from the profile itself when
 * `npm run slides:record` records it, and read by the slides' Fact and TopExcerpt components
 * from public/profiles/facts.json.
 */
import type { Profile } from '../pprof/index.ts';
import { buildGraph } from '../report/graph.ts';
import { sampleTotal, topReport } from '../report/top.ts';

/** What the slides may say about one recorded profile. Values are in the profile's unit. */
export interface ProfileFacts {
  /** The default sample type and its unit: what the flame graph draws. */
  type: string;
  unit: string;
  /** The profile's window. */
  seconds: number;
  /** How many samples were taken (the samples/count type), where the profile has it. */
  samples?: number;
  /** The sum of the default sample type. */
  total: number;
  /** flat and cum of every function with at least 0.5% cum, as -top counts them. */
  functions: Record<string, { flat: number; cum: number }>;
  /** The first rows of `-top` as the report prints them, its header saying what it leaves out. */
  top: string[];
  /** What the program measured itself, with performance.now, in the same run, where it says. */
  measuredMs?: Record<string, number>;
  windowMs?: number;
}

/** Rows of the -top excerpt a slide shows. */
const TOP_ROWS = 5;

/** The facts of one profile; `printed` is what its program printed, for the timing it did itself. */
export function profileFacts(profile: Profile, sampleIndex: number, printed: string): ProfileFacts {
  const type = profile.sampleTypes[sampleIndex]!;
  const countIndex = profile.sampleTypes.findIndex((candidate) => candidate.type === 'samples' && candidate.unit === 'count');
  const total = sampleTotal(profile, sampleIndex);
  const functions: ProfileFacts['functions'] = {};
  const nodes = buildGraph(profile, sampleIndex, 'functions', { edges: false }).sort((a, b) => b.cum - a.cum || a.info.name.localeCompare(b.info.name));
  for (const node of nodes)
    if (Math.abs(node.cum) >= total * 0.005 && !(node.info.name in functions)) functions[node.info.name] = { flat: node.flat, cum: node.cum };
  const top = topReport(profile, { sampleIndex, nodeCount: TOP_ROWS, compact: true }).trimEnd().split('\n');
  // A program that times itself prints {windowMs, measuredMs} as its last line.
  const timing = /^\{.*"measuredMs".*\}$/m.exec(printed);
  const measured = timing ? (JSON.parse(timing[0]) as { windowMs: number; measuredMs: Record<string, number> }) : undefined;
  return {
    type: type.type,
    unit: type.unit,
    seconds: profile.durationNanos / 1e9,
    ...(countIndex >= 0 ? { samples: sampleTotal(profile, countIndex) } : {}),
    total,
    functions,
    top,
    ...(measured ? { measuredMs: measured.measuredMs, windowMs: measured.windowMs } : {}),
  };
}

/**
 * npm run slides:record
 *
 * Records the real profiles the slides draw with the web UI's flame graph, and writes each as
 * FlameData JSON into public/profiles/: the canonical loop (CPU and wall, 5 s each) and
 * exercise 01's hash chain at a thousand and at a million rounds. Committed, so the deck needs no
 * run to present; run this again when the programs or the profilers change.
 *
 * The numbers the slides state about these profiles (durations, samples, shares, a -top
 * excerpt, the program's own timing) are computed here from the same profiles and written to
 * public/profiles/facts.json, which the slides read: a number on a slide cannot disagree with
 * the graph beside it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profile } from '../pprof/index.ts';
import { decodeProfile, writeFileAtomic } from '../pprof/index.ts';
import { flameData, flameTree, type FlameNode } from '../report/flamegraph.ts';
import { defaultSampleIndex } from '../report/folded.ts';
import { profileFacts, type ProfileFacts } from './slide-facts.ts';
import { typescriptNodeFlags } from '../loader/node-flags.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Frames under this share of the total are left out of the recorded data: no slide could show them. */
const MIN_SHARE = 0.002;

interface Recording {
  name: string;
  /** The program, its arguments (the profile's path last) and the folder it runs in. */
  program: string;
  args: (output: string) => string[];
  cwd: string;
  /** A file the program writes next to itself instead of taking an output path. */
  writes?: string;
  /** Only its facts are kept, no flame graph (a profile too small to draw). */
  factsOnly?: boolean;
}

const recordings: Recording[] = [
  { name: 'canonical-cpu', program: 'test/fixtures/wall/canonical-loop.ts', args: (output) => ['cpu', '5', output], cwd: root },
  { name: 'canonical-wall', program: 'test/fixtures/wall/canonical-loop.ts', args: (output) => ['wall', '5', output], cwd: root },
  { name: 'hash-chain-cpu', program: 'main.ts', args: () => ['1000000'], cwd: join(root, 'exercises/01-cpu-profile'), writes: 'cpu-1000000.pb.gz' },
  {
    name: 'hash-chain-1000-cpu',
    program: 'main.ts',
    args: () => ['1000'],
    cwd: join(root, 'exercises/01-cpu-profile'),
    writes: 'cpu-1000.pb.gz',
    factsOnly: true,
  },
];

/** The tree without the frames too narrow to draw, so the data stays small. */
function pruned(node: FlameNode, minimum: number): FlameNode {
  return { ...node, children: node.children.filter((child) => Math.abs(child.total) >= minimum).map((child) => pruned(child, minimum)) };
}

const scratch = mkdtempSync(join(tmpdir(), 'slide-profiles-'));
const facts: Record<string, ProfileFacts> = {};
try {
  for (const recording of recordings) {
    process.stdout.write(`recording ${recording.name}... `);
    const output = recording.writes ? join(recording.cwd, recording.writes) : join(scratch, `${recording.name}.pb.gz`);
    // A learner's own profile of the same name is put back afterwards.
    const aside = join(scratch, 'learner.pb.gz');
    const keep = recording.writes !== undefined && existsSync(output);
    if (keep) renameSync(output, aside);
    let profile: Profile;
    let printed: string;
    try {
      printed = execFileSync(process.execPath, [...typescriptNodeFlags(), recording.program, ...recording.args(output)], {
        cwd: recording.cwd,
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
      });
      profile = decodeProfile(readFileSync(output));
    } finally {
      if (keep) renameSync(aside, output);
      else if (recording.writes) rmSync(output, { force: true });
    }
    const sampleIndex = defaultSampleIndex(profile);
    facts[recording.name] = profileFacts(profile, sampleIndex, printed);
    if (recording.factsOnly) {
      process.stdout.write(`${facts[recording.name]!.samples ?? 0} samples\n`);
      continue;
    }
    const type = profile.sampleTypes[sampleIndex]!;
    const tree = flameTree(profile, sampleIndex);
    const data = flameData(pruned(tree, Math.abs(tree.total) * MIN_SHARE), type.type, type.unit);
    writeFileAtomic(join(root, 'public/profiles', `${recording.name}.json`), Buffer.from(`${JSON.stringify(data)}\n`));
    process.stdout.write(`${data.name.length} frames\n`);
  }
  writeFileAtomic(join(root, 'public/profiles/facts.json'), Buffer.from(`${JSON.stringify(facts, null, 1)}\n`));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

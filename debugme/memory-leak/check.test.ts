import { basename, sep } from 'node:path';
import { it } from 'vitest';
import { sampleTypeIndex, type Profile } from '#pprof';
import { exerciseCommand, exerciseFolder, learnerProfile, notDone, readAnswers, runProgram, sampleStacks } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const profileCommand = exerciseCommand(folder, ['profile']);
const answers = () =>
  readAnswers(folder, {
    allocating_function: { kind: 'string', describe: 'the function of main.ts that allocated the memory the service still holds, as heap.pb.gz names it' },
    allocating_line: { kind: 'integer', describe: 'the line of main.ts that heap.pb.gz gives for that function' },
  });

/** A frame of the program's own main.ts: the profile names it by its absolute path where it ran. */
const ownMain = `${sep}${basename(folder)}${sep}main.ts`;

/**
 * Where in main.ts the memory held was allocated: each sample charged to the frame of main.ts
 * nearest its leaf (Node's own frames above it, such as Buffer's toString, are how it
 * allocated), the sites ranked by inuse_space.
 */
function heldBySite(profile: Profile): { name: string; line: number; bytes: number }[] {
  const space = sampleTypeIndex(profile, 'inuse_space');
  if (space < 0) notDone(`heap.pb.gz is not an in-use heap profile: make it with ${profileCommand}`);
  const sites = new Map<string, { name: string; line: number; bytes: number }>();
  for (const { frames, values } of sampleStacks(profile)) {
    const own = frames.find((frame) => frame.file.endsWith(ownMain));
    if (!own) continue;
    const key = `${own.name}:${own.line}`;
    const site = sites.get(key) ?? { name: own.name, line: own.line, bytes: 0 };
    site.bytes += values[space] ?? 0;
    sites.set(key, site);
  }
  return [...sites.values()].sort((a, b) => b.bytes - a.bytes);
}

it('names where the memory the service holds was allocated', () => {
  const { allocating_function: name, allocating_line: line } = answers();
  const profile = learnerProfile(folder, 'heap.pb.gz', profileCommand);
  const total = profile.samples.reduce((sum, sample) => sum + (sample.values[0] ?? 0), 0);
  const [top] = heldBySite(profile);
  // The service as it came holds hundreds of MB, nearly all from one site; once fixed, a few MB from anywhere.
  if (!top || top.bytes < 50 * 2 ** 20 || top.bytes < 0.5 * total) {
    notDone(`heap.pb.gz holds no large share allocated by one function of main.ts: it looks like a profile of a fixed service. Answer from the service as it came: git stash your fix, ${profileCommand}, git stash pop`);
  }
  if (name.trim().replace(/\(\)$/, '') !== top.name) notDone(`allocating_function is "${name}", but most of what heap.pb.gz holds was allocated under another function of main.ts: the first row of -top is Node's code, so look for the first caller of it that main.ts defines (-peek, or -top -cum)`);
  if (line !== top.line) notDone(`allocating_line is ${line}, but heap.pb.gz puts ${top.name} on another line of main.ts: -list=${top.name} shows the line its bytes are on`);
});

it('keeps the heap bounded: every upload catalogued, no more than a small share of them held', () => {
  // The service as it is now, through 150 of the same uploads: it reports the heap after a full GC.
  const { stdout } = runProgram(folder, ['check']);
  const last = stdout.trim().split('\n').pop() ?? '';
  let report: { uploaded: number; uploadedBytes: number; listed: number; catalogued: number; heapGrowthBytes: number };
  try {
    report = JSON.parse(last);
  } catch {
    notDone(`main.ts check should end by printing its report as JSON, but it printed: ${last.slice(0, 120)}`);
  }
  if (!(report.uploaded >= 100) || !(report.uploadedBytes > 0)) notDone(`main.ts check uploaded ${report.uploaded} documents: the uploads failed; run ${exerciseCommand(folder, ['check'])} to see why`);
  if (report.catalogued !== report.uploaded || report.listed !== report.uploaded) {
    notDone(`after ${report.uploaded} uploads the catalogue holds ${report.catalogued} documents and GET /documents lists ${report.listed} of their titles: the fix must keep every document in the catalogue`);
  }
  const share = report.heapGrowthBytes / report.uploadedBytes;
  if (share > 0.1) {
    notDone(
      `the service still holds ${(report.heapGrowthBytes / 2 ** 20).toFixed(0)} MiB after ${report.uploaded} uploads of ${(report.uploadedBytes / 2 ** 20).toFixed(0)} MiB in all ` +
        `(${(100 * share).toFixed(0)}% of them, after a full GC): the catalogue should keep a few hundred bytes a document. What does it keep that is tied to the whole upload?`,
    );
  }
});

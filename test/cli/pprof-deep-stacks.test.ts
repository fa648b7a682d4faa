import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileBuilder, decodeProfile, encodeProfile, type Profile } from '../../src/pprof/index.ts';
import type { ProfileView } from '../../src/report/views.ts';
import { serveWebUi, type WebUi } from '../../src/web/server.ts';
import { pprofEntry, repoRoot } from '../helpers/run.ts';
import { goBinary } from '../helpers/tools.ts';

const go = goBinary();

/** npm run pprof, with room for reports of megabytes. */
function runPprofCommand(args: string[]) {
  return spawnSync(process.execPath, [pprofEntry, ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, maxBuffer: 2 ** 30 });
}

/**
 * Two samples, one `depth` frames deep and one half as deep, through functions f0, f1, ...
 * f(distinct - 1) in turn from the leaf: deep recursion, as a real program's stack overflow has.
 */
function deepProfile(depth: number, distinct: number): Profile {
  const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }], mappingFile: '/app/deep.js' });
  const frames = Array.from({ length: depth }, (_, i) => ({ name: `f${i % distinct}`, file: '/app/deep.js', line: (i % distinct) + 1 }));
  builder.addSample(frames, [3]);
  builder.addSample(frames.slice(depth / 2), [2]);
  return builder.build();
}

/** V8's .cpuprofile of one chain of `depth` calls under (root), sampled three times at its end. */
function deepCpuProfile(depth: number) {
  const nodes = Array.from({ length: depth + 1 }, (_, i) => ({
    id: i + 1,
    callFrame: { functionName: i === 0 ? '(root)' : `f${i % 1000}`, url: 'file:///app/deep.js', lineNumber: i % 1000, columnNumber: 0, scriptId: '1' },
    hitCount: i === depth ? 3 : 0,
    children: i < depth ? [i + 2] : [],
  }));
  return { nodes, startTime: 0, endTime: 3000, samples: [depth + 1, depth + 1, depth + 1], timeDeltas: [1000, 1000, 1000] };
}

/**
 * V8's .heapprofile of one chain of `depth` calls under (root), 1 MiB sampled at its end. Written
 * as text: JSON.stringify recurses, and would run out of stack on it.
 */
function deepHeapProfileText(depth: number): string {
  const callFrame = (name: string, line: number) =>
    JSON.stringify({ functionName: name, url: 'file:///app/deep.js', lineNumber: line, columnNumber: 0, scriptId: 1 });
  const opening = Array.from(
    { length: depth },
    (_, i) => `{"id":${i + 1},"callFrame":${callFrame(i === 0 ? '(root)' : `f${i % 1000}`, i % 1000)},"selfSize":0,"children":[`,
  );
  const leaf = `{"id":${depth + 1},"callFrame":${callFrame('f0', 0)},"selfSize":1048576,"children":[]}`;
  return `{"head":${opening.join('')}${leaf}${']}'.repeat(depth)},"samples":[{"size":1048576,"nodeId":${depth + 1},"ordinal":1}]}`;
}

/** Stacks of any depth: every report, -proto and the web UI's /api/profile, with no recursion to run out of stack. */
describe('npm run pprof on stacks 4,000 and 100,000 frames deep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-deep-'));
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    writeFileSync(file('deep-4k.pb.gz'), encodeProfile(deepProfile(4_000, 4_000)));
    writeFileSync(file('deep-100k.pb.gz'), encodeProfile(deepProfile(100_000, 1_000)));
    writeFileSync(file('deep-100k.cpuprofile'), JSON.stringify(deepCpuProfile(100_000)));
    writeFileSync(file('deep-100k.heapprofile'), deepHeapProfileText(100_000));
  });

  it.each([
    ['deep-4k.pb.gz', 4_000],
    ['deep-100k.pb.gz', 100_000],
    ['deep-100k.cpuprofile', 100_000],
    ['deep-100k.heapprofile', 100_000],
  ])(
    '%s: every report',
    (name, depth) => {
      for (const report of ['-top', '-tree', '-peek=^f1$', '-list=^f1$', '-svg', '-folded']) {
        const result = runPprofCommand([report, file(name)]);
        expect(result.status, `${report}: ${result.stderr}`).toBe(0);
        expect(result.stdout, report).toContain('f1');
      }
      // One line a frame.
      const traces = runPprofCommand(['-traces', file(name)]);
      expect(traces.status, traces.stderr).toBe(0);
      expect(traces.stdout.split('\n').filter((line) => /\sf\d+$/.test(line)).length).toBeGreaterThanOrEqual(depth);
      const raw = runPprofCommand(['-raw', file(name)]);
      expect(raw.status, raw.stderr).toBe(0);
      const proto = runPprofCommand(['-proto', `-output=${file(`${name}.copy.pb.gz`)}`, file(name)]);
      expect(proto.status, proto.stderr).toBe(0);
      const copy = decodeProfile(readFileSync(file(`${name}.copy.pb.gz`)));
      expect(Math.max(...copy.samples.map((sample) => sample.locations.length))).toBe(depth);
    },
    300_000,
  );

  describe.skipIf(!go)('as go tool pprof prints them', () => {
    it.each(['-top', '-traces', '-raw', '-tree', '-peek=^f1$'])('%s deep-4k.pb.gz', (report) => {
      const theirs = execFileSync(go!, ['tool', 'pprof', report, file('deep-4k.pb.gz')], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 2 ** 28 });
      const ours = runPprofCommand([report, file('deep-4k.pb.gz')]);
      expect(ours.status, ours.stderr).toBe(0);
      expect(ours.stdout).toBe(theirs);
    });
  });

  describe("the web UI's /api/profile", () => {
    let web: WebUi;
    beforeAll(async () => {
      web = await serveWebUi(deepProfile(100_000, 1_000), { host: '127.0.0.1', port: 0, title: 'deep', settings: { cum: false, filters: {} } });
    });
    afterAll(() => web?.close());

    // The callers of f1 go up to its next call, a thousand frames up.
    it.each([
      ['/api/profile', 100_000 - 1],
      ['/api/profile?callers=f1', 900],
    ])('answers %s with the flame graph, as deep as the stack', async (path, depth) => {
      const response = await fetch(new URL(path, web.url));
      expect(response.status).toBe(200);
      const view = (await response.json()) as ProfileView;
      expect(Math.max(...view.flame.depth)).toBeGreaterThanOrEqual(depth);
      expect(view.top.map((row) => row.name)).toContain('f1');
    });
  });
});

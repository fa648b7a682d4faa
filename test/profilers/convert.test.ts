import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProfileFormatError } from '../../src/pprof/index.ts';
import { convertNodeProfile } from '../../src/profilers/index.ts';
import { flatByFunction, sampleTypeNames } from '../helpers/profile.ts';

/** A plain JavaScript program, so Node's own --cpu-prof and --heap-prof can run it directly. */
const program = `
function hash(rounds) {
  let h = 0;
  for (let i = 0; i < rounds; i++) h = (h * 31 + i) | 0;
  return h;
}
const kept = [];
function keep() {
  for (let i = 0; i < 20000; i++) kept.push(new Array(64).fill(i));
}
keep();
// Save a .heapprofile as DevTools does: Node's own --heap-prof is taken during teardown, when
// the program's objects are already gone.
const { Session } = require('node:inspector');
const session = new Session();
session.connect();
session.post('HeapProfiler.startSampling', {}, () => {});
keep();
session.post('HeapProfiler.getSamplingProfile', (error, { profile }) => {
  require('node:fs').writeFileSync('devtools.heapprofile', JSON.stringify(profile));
});
// A fixed amount of hashing (some 400 ms), not as much as fits in a time: on a busy machine a
// time-bounded loop does less, while keep()'s collections cost what they cost.
for (let round = 0; round < 1000; round++) hash(100000);
`;

describe("converting Node's own profiles", () => {
  const dir = mkdtempSync(join(tmpdir(), 'convert-'));
  writeFileSync(join(dir, 'app.cjs'), program);
  const run = spawnSync(process.execPath, ['--cpu-prof', '--heap-prof', '--cpu-prof-dir', dir, '--heap-prof-dir', dir, 'app.cjs'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const file = (suffix: string) => join(dir, readdirSync(dir).find((name) => name.endsWith(suffix))!);

  it('turns a .cpuprofile into a CPU profile with the hot function on top', () => {
    expect(run.status).toBe(0);
    const profile = convertNodeProfile(file('.cpuprofile'));
    expect(sampleTypeNames(profile)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(flatByFunction(profile, 1)[0]![0]).toBe('hash');
    expect(Number(profile.period)).toBeGreaterThan(0);
  });

  it('turns a .heapprofile into an in-use heap profile with the retaining function on top', () => {
    const profile = convertNodeProfile(join(dir, 'devtools.heapprofile'));
    expect(sampleTypeNames(profile)).toEqual(['inuse_space/bytes', 'inuse_objects/count']);
    expect(flatByFunction(profile, 0)[0]![0]).toBe('keep');
  });

  it("reads the .heapprofile Node's --heap-prof writes", () => {
    const name = readdirSync(dir).find((entry) => entry.startsWith('Heap') && entry.endsWith('.heapprofile'))!;
    expect(sampleTypeNames(convertNodeProfile(join(dir, name)))).toEqual(['inuse_space/bytes', 'inuse_objects/count']);
  });

  it('says what it expected of a file that is neither', () => {
    const path = join(dir, 'other.json');
    writeFileSync(path, '{"hello": "world"}');
    expect(() => convertNodeProfile(path)).toThrow(ProfileFormatError);
    expect(() => convertNodeProfile(path)).toThrow('is neither a .cpuprofile (nodes, startTime, endTime) nor a .heapprofile (head)');
    writeFileSync(path, 'not json');
    expect(() => convertNodeProfile(path)).toThrow(/other\.json is not a Node profile/);
  });
});

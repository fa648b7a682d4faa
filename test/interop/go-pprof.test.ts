import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineOf } from '../helpers/profile.ts';
import { fixture, runProfileCommand, runTypeScript } from '../helpers/run.ts';
import { goBinary } from '../helpers/tools.ts';

const go = goBinary();

/** The reference reader: what our profilers write, the real `go tool pprof` must read. */
describe.skipIf(!go)('go tool pprof reads our profiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'interop-'));
  const pprof = (...args: string[]) => execFileSync(go!, ['tool', 'pprof', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  /** Function names of the `-top` rows, in order. */
  const topRows = (text: string) =>
    text
      .split('\n')
      .filter((line) => /^\s*-?[\d.]+\w*\s+-?[\d.]+%\s+-?[\d.]+%/.test(line))
      .map((line) => line.trim().split(/\s+/).slice(5).join(' '));

  it('CPU: -top has the hot function first and -raw the TypeScript line of its loop', () => {
    const output = join(dir, 'cpu.pb.gz');
    expect(runTypeScript(fixture('hot-loop.ts'), [output], { HZ: '1000', MILLIS: '300' }).status).toBe(0);
    const top = pprof('-top', output);
    expect(top).toMatch(/^Type: cpu$/m);
    expect(topRows(top)[0]).toBe('spin');
    const line = lineOf(fixture('hot-loop.ts'), 'totals.sum +=');
    expect(pprof('-raw', output)).toMatch(new RegExp(`spin ${fixture('hot-loop.ts')}:${line} `));
  });

  it('heap: -top has the retaining function first in inuse_space', () => {
    const output = join(dir, 'heap.pb.gz');
    expect(runProfileCommand(['--heap', '-o', output, fixture('churn-retain.ts')]).status).toBe(0);
    const top = pprof('-top', output);
    expect(top).toMatch(/^Type: inuse_space$/m);
    expect(topRows(top)[0]).toBe('retain');
    expect(pprof('-raw', output)).toContain(`retain ${fixture('churn-retain.ts')}:${lineOf(fixture('churn-retain.ts'), 'function retain')}`);
  });

  it('allocs: -top has the churning function first in alloc_space, and reads alloc_objects', () => {
    const output = join(dir, 'allocs.pb.gz');
    expect(runProfileCommand(['--allocs', '-o', output, fixture('churn-retain.ts')]).status).toBe(0);
    const top = pprof('-top', output);
    expect(top).toMatch(/^Type: alloc_space$/m);
    expect(topRows(top)[0]).toBe('churn');
    expect(pprof('-top', '-sample_index=alloc_objects', output)).toMatch(/^Type: alloc_objects$/m);
  });

  it('wall: -top has the fetch wait, -tagfocus separates running from waiting', () => {
    const output = join(dir, 'wall.pb.gz');
    expect(runProfileCommand(['--wall', '-o', output, fixture('wall/canonical-loop.ts'), 'none', '1']).status).toBe(0);
    const top = pprof('-top', output);
    expect(top).toMatch(/^Type: wall$/m);
    // A row, not the first: the rows' order is the program's, and on a loaded machine so is its
    // time. The accuracy test holds the shares to the program's own timing. Seen with CPU hogs on
    // both cores at a load of 27: the first fetch() call, which loads undici, took a second of
    // this window under slowNetworkRequest, and the waits ran late, so the few rounds' 10 ms
    // sleeps (383 ms in all) outweighed their 60 ms fetches (366 ms); at 15, a collection
    // descheduled midway came first.
    expect(topRows(top)).toContainEqual(expect.stringMatching(/^\(wait\) fetch GET http:\/\/127\.0\.0\.1:\d+\/slow$/));
    expect(topRows(pprof('-top', '-tagfocus=state=running', output))).not.toContainEqual(expect.stringMatching(/^\(wait\)/));
    // Waiting time is all in (wait) leaves; the functions above them only add it up.
    const waiting = pprof('-top', '-tagfocus=state=waiting', output)
      .split('\n')
      .filter((line) => /^\s*[\d.]+m?s\s/.test(line));
    expect(waiting.length).toBeGreaterThan(0);
    for (const row of waiting) expect(row.trim().split(/\s+/).slice(5).join(' ')).toMatch(/^\(wait\) /);
    expect(pprof('-traces', '-tagfocus=wait=timer', output)).toMatch(/\(wait\) setTimeout 10ms\n\s+weirdFunction\n/);
  });
});

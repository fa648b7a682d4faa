import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, runPprofCommand, runProfileCommand, runTypeScript } from '../helpers/run.ts';
import { goBinary } from '../helpers/tools.ts';

const go = goBinary();

/**
 * Our -top against the real go tool pprof on the same files, whole text: profiles from our
 * profilers and from a Go program (mappings, addresses, inlined frames). Both run here, in one
 * time zone, so even the Time line must match.
 */
describe.skipIf(!go)('npm run pprof -- -top prints what go tool pprof -top prints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-top-'));
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    const cpu = runTypeScript(fixture('hot-loop.ts'), [file('cpu.pb.gz')], { HZ: '1000', MILLIS: '300' });
    if (cpu.status !== 0) throw new Error(`profiling cpu failed: ${cpu.stderr}`);
    for (const [kind, args] of [
      ['heap', [fixture('churn-retain.ts')]],
      ['allocs', [fixture('churn-retain.ts')]],
      ['wall', [fixture('wall/canonical-loop.ts'), 'none', '1']],
    ] as const) {
      const result = runProfileCommand([`--${kind}`, '-o', file(`${kind}.pb.gz`), ...args]);
      if (result.status !== 0) throw new Error(`profiling ${kind} failed: ${result.stderr}`);
    }
    execFileSync(go!, ['run', fixture('go/cpuhog.go'), file('go-cpu.pb.gz'), file('go-heap.pb.gz')], { cwd: dir, stdio: 'pipe' });
  }, 120_000);

  it.each([
    ['cpu.pb.gz'],
    ['cpu.pb.gz', '-sample_index=samples'],
    ['heap.pb.gz'],
    ['heap.pb.gz', '-sample_index=inuse_objects'],
    ['allocs.pb.gz', '-cum'],
    ['allocs.pb.gz', '-sample_index=1', '-nodecount=2'],
    ['wall.pb.gz'],
    ['wall.pb.gz', '-nodecount=5', '-cum'],
    ['go-cpu.pb.gz'],
    ['go-cpu.pb.gz', '-cum', '-nodecount=10'],
    ['go-heap.pb.gz', '-sample_index=alloc_space'],
  ])('%s %s %s', (name, ...options) => {
    const theirs = execFileSync(go!, ['tool', 'pprof', '-top', ...options, file(name)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const ours = runPprofCommand(['-top', ...options, file(name)]);
    expect(ours.stderr).toBe('');
    expect(ours.stdout).toBe(theirs);
  });
});

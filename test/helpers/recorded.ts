import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fixture, runProfileCommand, runTypeScript } from './run.ts';

/**
 * The profiles the interop tests read, each recorded by a real profiler on this machine:
 * cpu (the hot loop at 1000 Hz), heap and allocs (churn and retain), wall and wall-again (two
 * runs of the canonical loop, for diffs), and go (a Go program's go-cpu and go-heap: a binary's
 * mappings, addresses and inlined frames).
 */
export type RecordedProfile = 'cpu' | 'heap' | 'allocs' | 'wall' | 'wall-again' | 'go';

/** Records each profile named into DIR as NAME.pb.gz (go: go-cpu.pb.gz and go-heap.pb.gz); throws with the recorder's output when one fails. */
export function recordProfiles(dir: string, names: readonly RecordedProfile[], go?: string): void {
  for (const name of names) {
    const output = join(dir, `${name}.pb.gz`);
    if (name === 'go') {
      if (!go) throw new Error('recording the Go profiles needs the go binary');
      execFileSync(go, ['run', fixture('go/cpuhog.go'), join(dir, 'go-cpu.pb.gz'), join(dir, 'go-heap.pb.gz')], { cwd: dir, stdio: 'pipe' });
      continue;
    }
    const result =
      name === 'cpu'
        ? runTypeScript(fixture('hot-loop.ts'), [output], { HZ: '1000', MILLIS: '300' })
        : name === 'heap' || name === 'allocs'
          ? runProfileCommand([`--${name}`, '-o', output, fixture('churn-retain.ts')])
          : runProfileCommand(['--wall', '-o', output, fixture('wall/canonical-loop.ts'), 'none', '1']);
    if (result.status !== 0) throw new Error(`recording the ${name} profile failed: ${result.stderr}`);
  }
}

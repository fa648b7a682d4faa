import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, runPprofCommand } from '../helpers/run.ts';
import { goBinary } from '../helpers/tools.ts';

const go = goBinary();

/**
 * The call graph (-dot, which the web UI's Graph view draws from) with the report settings: the
 * granularity, -unit, the fractions and -trim_path, against go tool pprof on checked-in profiles.
 */
describe.skipIf(!go)('npm run pprof -dot with report settings prints what go tool pprof prints', () => {
  const wall = 'test/fixtures/pprof/datadog/wall.pb.gz';
  const generics = 'test/fixtures/pprof/go/generics.pb.gz';
  const workshop = 'test/fixtures/pprof/workshop/class-initializers.pb.gz';
  it.each([
    ['-dot -lines', wall],
    ['-dot -files', wall],
    ['-dot -filefunctions', workshop],
    ['-dot -addresses', generics],
    ['-dot -lines', generics],
    ['-dot -unit=s', wall],
    ['-dot -nodefraction=0.05 -edgefraction=0.01', wall],
    ['-dot -lines -nodecount=5', workshop],
    [`-dot -lines -trim_path=${repoRoot.replace(/\/$/, '')}`, workshop],
  ])('%s %s', (options, file) => {
    const args = [...options.split(' '), file];
    const theirs = spawnSync(go!, ['tool', 'pprof', ...args], { cwd: repoRoot, encoding: 'utf8' });
    expect(theirs.status, theirs.stderr).toBe(0);
    const ours = runPprofCommand(args);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });
});

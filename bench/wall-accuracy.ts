/**
 * How true a wall profile is: the canonical loop (await a ~60 ms request, hash for ~30 ms, await
 * a ~10 ms sleep) profiles itself for 10 s and times each step with performance.now. Each
 * function's share of the window in the profile beside its share by the program's own clock,
 * at the default 99 Hz and at 997 Hz, and what running plus waiting adds up to.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { typescriptNodeFlags } from '../src/cli/typescript-node.ts';
import { decodeProfile } from '../src/pprof/index.ts';
import { printTable, progress } from './table.ts';

const SECONDS = 10;
const QUICK_SECONDS = 3;
const RATES = [99, 997];
const STEPS = ['slowNetworkRequest', 'cpuIntensiveTask', 'weirdFunction'] as const;

const program = fileURLToPath(new URL('../test/fixtures/wall/canonical-loop.ts', import.meta.url));

interface Measured {
  windowMs: number;
  measuredMs: Record<(typeof STEPS)[number], number>;
}

/** Each step's share of the window in the profile, and running + waiting over the window. */
function profiled(path: string): { shares: Record<string, number>; coverage: number } {
  const profile = decodeProfile(readFileSync(path));
  const names = profile.stringTable.strings;
  const functionName = new Map(profile.function.map((fn) => [Number(fn.id), names[Number(fn.name)]!]));
  const locationName = new Map(profile.location.map((location) => [Number(location.id), functionName.get(Number(location.line[0]!.functionId))!]));
  const window = Number(profile.durationNanos);
  const cumulative: Record<string, number> = {};
  let total = 0;
  for (const sample of profile.sample) {
    const nanos = Number(sample.value[1]);
    total += nanos;
    for (const name of new Set(sample.locationId.map((id) => locationName.get(Number(id))!))) cumulative[name] = (cumulative[name] ?? 0) + nanos;
  }
  return { shares: Object.fromEntries(STEPS.map((step) => [step, (cumulative[step] ?? 0) / window])), coverage: total / window };
}

export async function run(options: { quick: boolean }): Promise<void> {
  const seconds = options.quick ? QUICK_SECONDS : SECONDS;
  console.log(`wall-accuracy: the canonical loop for ${seconds} s per rate, profiling itself and timing each step:`);
  console.log(`node --import ./src/loader/register.mjs test/fixtures/wall/canonical-loop.ts wall ${seconds} out.pb.gz (HZ=rate)`);
  console.log('share: the step\'s part of the window, in the profile / by the program\'s own clock; target within 2 points');
  console.log('');
  const directory = mkdtempSync(join(tmpdir(), 'wall-accuracy-'));
  const rows: string[][] = [];
  try {
    for (const [i, hz] of RATES.entries()) {
      progress('rate', i, RATES.length);
      const output = join(directory, `${hz}.pb.gz`);
      const stdout = execFileSync(process.execPath, [...typescriptNodeFlags(), program, 'wall', String(seconds), output], {
        encoding: 'utf8',
        env: { ...process.env, HZ: String(hz) },
      });
      const measured = JSON.parse(stdout) as Measured;
      const { shares, coverage } = profiled(output);
      const cells = STEPS.map((step) => {
        const timed = measured.measuredMs[step] / measured.windowMs;
        return `${(100 * shares[step]!).toFixed(1)}% / ${(100 * timed).toFixed(1)}%`;
      });
      const worst = Math.max(...STEPS.map((step) => Math.abs(shares[step]! - measured.measuredMs[step] / measured.windowMs)));
      rows.push([`${hz} Hz`, ...cells, `${(100 * worst).toFixed(1)}`, `${(100 * coverage).toFixed(1)}%`]);
    }
    progress('rate', RATES.length, RATES.length);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  printTable(['rate', ...STEPS, 'worst, points', 'running+waiting'], rows);
}

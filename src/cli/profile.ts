/**
 * `npm run profile -- --cpu|--wall|--heap|--allocs [-o out.pb.gz] [--folded] [--hz N] script.ts [args...]`
 *
 * Profiles a program from start to exit without changing it: runs it in a child Node with a
 * preload that starts the profiler first and writes the profile whichever way the program ends.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeProfile, labelTexts, type Profile, type Sample } from '../pprof/index.ts';
import { DEFAULT_WALL_HZ, MAX_HZ } from '../profilers/index.ts';
import { PROFILE_REQUEST_ENV, type ProfileKind, type ProfileRequest } from './profile-request.ts';
import { unwritableReason } from './output.ts';
import { exitLike, relayStopSignals, tell } from './signals.ts';
import { typescriptNodeFlags } from '../loader/node-flags.ts';

const USAGE = `usage: npm run profile -- [--cpu | --wall | --heap | --allocs] [-o FILE] [--folded] [--hz N] [--interval BYTES] script.ts [args...]

  --cpu             CPU profile (default): where the main thread spends its time
  --wall            wall-clock profile: time running and time awaiting (fetch, timers, fs...),
                    each on the stack that awaits it
  --heap            in-use heap at exit, after a full GC: what the program still holds
  --allocs          every sampled allocation, collected or not: what churns
  -o, --output      where to write the profile (default: KIND.pb.gz, or KIND.folded)
  --folded          write folded stacks (root;...;leaf VALUE) for flamegraph.pl or speedscope
  --hz N            samples per second, 1 to ${MAX_HZ} (default 100 for --cpu, ${DEFAULT_WALL_HZ} for --wall)
  --interval BYTES  average bytes between heap samples (default 524288)`;

class UsageError extends Error {}

function parse(argv: string[]): { request: ProfileRequest; script: string; args: string[] } {
  // Options end at the script: what follows it belongs to the program, not to us.
  const scriptIndex = argv.findIndex((arg, i) => !arg.startsWith('-') && !['-o', '--output', '--hz', '--interval'].includes(argv[i - 1] ?? ''));
  const ours = scriptIndex < 0 ? argv : argv.slice(0, scriptIndex);
  const values = (() => {
    try {
      return parseArgs({
        args: ours,
        strict: true,
        options: {
          cpu: { type: 'boolean' },
          wall: { type: 'boolean' },
          folded: { type: 'boolean' },
          heap: { type: 'boolean' },
          allocs: { type: 'boolean' },
          output: { type: 'string', short: 'o' },
          hz: { type: 'string' },
          interval: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }).values;
    } catch (error) {
      throw new UsageError((error as Error).message.split('. ')[0]!);
    }
  })();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const kinds = (['cpu', 'wall', 'heap', 'allocs'] as const).filter((k) => values[k]);
  if (kinds.length > 1) throw new UsageError(`choose one kind of profile, not ${kinds.map((k) => `--${k}`).join(' and ')}`);
  const kind: ProfileKind = kinds[0] ?? 'cpu';
  if (scriptIndex < 0) throw new UsageError('no script given: name the program to profile, e.g. npm run profile -- --cpu app.ts');

  const script = resolve(argv[scriptIndex]!);
  if (!existsSync(script) || !statSync(script).isFile()) throw new UsageError(`script not found: ${argv[scriptIndex]}`);

  const format = values.folded ? 'folded' : 'pprof';
  const request: ProfileRequest = { kind, format, output: resolve(values.output ?? `${kind}.${format === 'folded' ? 'folded' : 'pb.gz'}`) };
  if (values.hz !== undefined) {
    if (kind !== 'cpu' && kind !== 'wall') throw new UsageError('--hz applies to --cpu and --wall only');
    const hz = Number(values.hz);
    if (!Number.isInteger(hz) || hz < 1 || hz > MAX_HZ) throw new UsageError(`--hz must be a whole number from 1 to ${MAX_HZ}, got ${values.hz}`);
    request.hz = hz;
  }
  if (values.interval !== undefined) {
    if (kind === 'cpu' || kind === 'wall') throw new UsageError('--interval applies to --heap and --allocs only');
    const bytes = Number(values.interval);
    if (!Number.isInteger(bytes) || bytes < 1) throw new UsageError(`--interval must be a positive whole number of bytes, got ${values.interval}`);
    request.intervalBytes = bytes;
  }
  const unwritable = unwritableReason(request.output);
  if (unwritable) throw new UsageError(unwritable);
  return { request, script, args: argv.slice(scriptIndex + 1) };
}

const label = { cpu: 'CPU profile', wall: 'wall-clock profile', heap: 'heap profile', allocs: 'allocation profile' };

function summary(request: ProfileRequest, startedMs: number): string | undefined {
  if (!existsSync(request.output) || statSync(request.output).mtimeMs < startedMs - 1000) return undefined;
  const shown = relative(process.cwd(), request.output) || request.output;
  const path = shown.startsWith('..') ? request.output : shown;
  if (request.format === 'folded') {
    const stacks = readFileSync(request.output, 'utf8').split('\n').filter(Boolean).length;
    return `profile: wrote ${label[request.kind]} as folded stacks to ${path} (${stacks} stacks)\nnext:    flamegraph.pl ${path} > flame.svg, or open it in https://www.speedscope.app`;
  }
  const profile = decodeProfile(readFileSync(request.output));
  return `profile: wrote ${label[request.kind]} to ${path} (${contents(request.kind, profile)})\nnext:    npm run pprof -- -top ${path}`;
}

/** What a profile holds, in a few words: samples, time running and waiting, or bytes. */
function contents(kind: ProfileKind, profile: Profile): string {
  const sum = (index: number, keep: (sample: Sample) => boolean = () => true) =>
    profile.samples.filter(keep).reduce((total, sample) => total + (sample.values[index] ?? 0), 0);
  if (kind === 'cpu') return `${sum(0)} samples`;
  if (kind === 'wall') {
    const isWaiting = (sample: Sample) => labelTexts(sample, 'state').includes('waiting');
    const seconds = (nanos: number) => `${(nanos / 1e9).toFixed(1)} s`;
    return `${seconds(sum(1, (s) => !isWaiting(s)))} running, ${seconds(sum(1, isWaiting))} waiting, in ${seconds(profile.durationNanos)}`;
  }
  return `${(sum(0) / 2 ** 20).toFixed(1)} MiB sampled`;
}

function main(): void {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`profile: ${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const { request, script, args } = parsed;
  const startedMs = Date.now();
  const child = spawn(process.execPath, [...typescriptNodeFlags(), '--import', new URL('./profile-preload.ts', import.meta.url).href, script, ...args], {
    stdio: 'inherit',
    env: { ...process.env, [PROFILE_REQUEST_ENV]: JSON.stringify(request) },
  });
  relayStopSignals(child);
  child.on('error', (error) => {
    tell(`profile: could not start ${process.execPath}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    const done = summary(request, startedMs);
    if (!done) {
      const how = signal ? `was ended by ${signal}` : `exited with code ${code}`;
      tell(`\nprofile: the program ${how} without a profile being written to ${request.output}\n`);
      process.exit(1);
    }
    tell(`\n${done}\n`);
    // Ended by a signal (passed on by us, or sent to it): end by it too. Else with its code.
    exitLike(code ?? 1, signal);
  });
}

main();

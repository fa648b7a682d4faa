/**
 * `npm run profile -- --cpu|--heap|--allocs [-o out.pb.gz] [--hz N] script.ts [args...]`
 *
 * Profiles a program from start to exit without changing it: runs it in a child Node with a
 * preload that starts the profiler first and writes the profile whichever way the program ends.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeProfile } from '../pprof/index.ts';
import { MAX_HZ } from '../profilers/index.ts';
import { PROFILE_REQUEST_ENV, type ProfileKind, type ProfileRequest } from './profile-request.ts';
import { typescriptNodeFlags } from './typescript-node.ts';

const USAGE = `usage: npm run profile -- [--cpu | --heap | --allocs] [-o FILE] [--hz N] [--interval BYTES] script.ts [args...]

  --cpu             CPU profile (default): where the main thread spends its time
  --heap            in-use heap at exit, after a full GC: what the program still holds
  --allocs          every sampled allocation, collected or not: what churns
  -o, --output      where to write the profile (default: cpu.pb.gz, heap.pb.gz or allocs.pb.gz)
  --hz N            CPU samples per second, 1 to ${MAX_HZ} (default 100)
  --interval BYTES  average bytes between heap samples (default 524288)`;

class UsageError extends Error {}

function parse(argv: string[]): { request: ProfileRequest; script: string; args: string[] } {
  // Options end at the script: what follows it belongs to the program, not to us.
  const scriptIndex = argv.findIndex((arg, i) => !arg.startsWith('-') && !['-o', '--output', '--hz', '--interval'].includes(argv[i - 1] ?? ''));
  const ours = scriptIndex < 0 ? argv : argv.slice(0, scriptIndex);
  let values;
  try {
    ({ values } = parseArgs({
      args: ours,
      strict: true,
      options: {
        cpu: { type: 'boolean' },
        heap: { type: 'boolean' },
        allocs: { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        hz: { type: 'string' },
        interval: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('. ')[0]!);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const kinds = (['cpu', 'heap', 'allocs'] as const).filter((k) => values[k]);
  if (kinds.length > 1) throw new UsageError(`choose one kind of profile, not ${kinds.map((k) => `--${k}`).join(' and ')}`);
  const kind: ProfileKind = kinds[0] ?? 'cpu';
  if (scriptIndex < 0) throw new UsageError('no script given: name the program to profile, e.g. npm run profile -- --cpu app.ts');

  const script = resolve(argv[scriptIndex]!);
  if (!existsSync(script) || !statSync(script).isFile()) throw new UsageError(`script not found: ${argv[scriptIndex]}`);

  const request: ProfileRequest = { kind, output: resolve(values.output ?? `${kind}.pb.gz`) };
  if (values.hz !== undefined) {
    if (kind !== 'cpu') throw new UsageError('--hz applies to --cpu only');
    const hz = Number(values.hz);
    if (!Number.isInteger(hz) || hz < 1 || hz > MAX_HZ) throw new UsageError(`--hz must be a whole number from 1 to ${MAX_HZ}, got ${values.hz}`);
    request.hz = hz;
  }
  if (values.interval !== undefined) {
    if (kind === 'cpu') throw new UsageError('--interval applies to --heap and --allocs only');
    const bytes = Number(values.interval);
    if (!Number.isInteger(bytes) || bytes < 1) throw new UsageError(`--interval must be a positive whole number of bytes, got ${values.interval}`);
    request.intervalBytes = bytes;
  }
  checkWritable(request.output);
  return { request, script, args: argv.slice(scriptIndex + 1) };
}

/** Fails before the program runs rather than after, when the profile would be lost. */
function checkWritable(output: string): void {
  if (existsSync(output) && statSync(output).isDirectory()) throw new UsageError(`output ${output} is a directory: name a file, e.g. ${output}/cpu.pb.gz`);
  const directory = dirname(output);
  if (!existsSync(directory)) throw new UsageError(`cannot write ${output}: directory ${directory} does not exist`);
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write ${output}: directory ${directory} is not writable`);
  }
}

const label = { cpu: 'CPU profile', heap: 'heap profile', allocs: 'allocation profile' };

function summary(request: ProfileRequest, startedMs: number): string | undefined {
  if (!existsSync(request.output) || statSync(request.output).mtimeMs < startedMs - 1000) return undefined;
  const profile = decodeProfile(readFileSync(request.output));
  const total = profile.sample.reduce((sum, s) => sum + Number(s.value[0]), 0);
  const unit = request.kind === 'cpu' ? `${total} samples` : `${(total / 2 ** 20).toFixed(1)} MiB sampled`;
  const shown = relative(process.cwd(), request.output) || request.output;
  const path = shown.startsWith('..') ? request.output : shown;
  return `profile: wrote ${label[request.kind]} to ${path} (${unit})\nnext:    npm run pprof -- -top ${path}`;
}

function main(): void {
  let parsed;
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
  // Ctrl-C reaches the child from the terminal itself; we wait for it to write its profile.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    process.stderr.write(`profile: could not start ${process.execPath}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    const done = summary(request, startedMs);
    if (done) process.stderr.write(`\n${done}\n`);
    else process.stderr.write(`\nprofile: the program ended without a profile being written to ${request.output}\n`);
    if (!done) process.exit(1);
    process.exit(signal ? 128 + (({ SIGINT: 2, SIGHUP: 1, SIGTERM: 15 }) as Record<string, number>)[signal]! || 1 : (code ?? 1));
  });
}

main();

/**
 * What a profiler costs a web service: an express app that, per request, fetches a price from a
 * second local service and signs the answer with a few sha256 rounds, loaded over loopback by
 * autocannon. The profilers: our CPU profiler, our wall profiler (V8 samples plus the async
 * tracker, which wraps every fetch and timer), the async tracker alone recording every
 * operation (what the wall profiler would add without its sampling budget) and
 * @datadog/pprof's time profiler.
 *
 * This 2-core VM's speed drifts by a quarter within a minute, far more than what is measured,
 * so the two sides are measured at the same moment: two app processes of one variant take the
 * same load at the same time, one with the profiler on and one with it off, then swap. What is
 * compared is the app's CPU time per request (all its threads): a server that is busy is held
 * back by exactly that, so throughput at saturation moves by its inverse. The load is a fixed
 * rate both apps keep up with, so neither starves the other of a core.
 *
 * The price service runs once for the whole benchmark, in its own process, so every app
 * fetches from the same thing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { typescriptNodeFlags } from '../src/loader/node-flags.ts';
import { median, percent, printTable, progress, provenSamples } from './table.ts';

/** Requests per phase and app, at RATE: four seconds. */
const PHASE_REQUESTS = 4_000;
const QUICK_PHASE_REQUESTS = 1_000;
/**
 * Requests per second to each app: three quarters of a core each here, near saturation (a server
 * batches more when busy, and costs less per request), yet both keep up.
 */
const RATE = 1_000;
/** Pairs of phases (one app profiled, then the other) per variant. */
const PAIRS = 8;
const QUICK_PAIRS = 1;
/** Requests sent to each fresh app before measuring, so every variant is timed warm. */
const WARMUP_REQUESTS = 1_500;
const CONNECTIONS = 16;

interface Profiler {
  start(): void;
  /** Stops and returns how many samples the profile holds, or throws if it missed the app. */
  stop(): number;
}

const VARIANTS: { key: string; label: string; load(): Promise<Profiler> }[] = [
  // Both apps unprofiled: the spread of a ratio that should be 1, the noise under the others.
  { key: 'none', label: 'no profiler (noise)', load: async () => ({ start() {}, stop: () => 0 }) },
  {
    key: 'cpu',
    label: 'ours, CPU 100 Hz',
    async load() {
      const { startCPUProfile, stopCPUProfile } = await import('#profiler');
      return { start: () => startCPUProfile({ hz: 100 }), stop: () => provenSamples('our CPU profiler', stopCPUProfile(), ['sign']) };
    },
  },
  {
    key: 'wall',
    label: 'ours, wall 99 Hz',
    async load() {
      const { startWallProfile, stopWallProfile } = await import('#profiler');
      return { start: () => startWallProfile(), stop: () => provenSamples('our wall profiler', stopWallProfile(), ['sign', '(wait) fetch GET']) };
    },
  },
  {
    key: 'tracker',
    label: 'ours, async tracker only',
    async load() {
      const { installAsyncTracker, uninstallAsyncTracker } = await import('#profiler');
      return {
        start: () => installAsyncTracker(),
        stop() {
          uninstallAsyncTracker();
          return 0;
        },
      };
    },
  },
  {
    key: 'datadog',
    label: '@datadog/pprof time 100 Hz',
    async load() {
      const { time } = await import('@datadog/pprof');
      // durationMillis only sizes the profiler's buffers; the profile ends at stop().
      return {
        start: () => time.start({ intervalMicros: 10_000, durationMillis: 120_000 }),
        stop: () => provenSamples('@datadog/pprof', time.stop(), ['sign']),
      };
    },
  },
];

/** The price service: answers at once, so the app's own work and waiting dominate. */
function runPriceService(): void {
  const server = createServer((request, response) => {
    const id = Number(new URL(request.url ?? '/', 'http://price').searchParams.get('id') ?? 0);
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ id, cents: 199 + ((id * 7919) % 5000) }));
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

/** Signs a quote: a little CPU per request, on a stack the profiles must show. */
function sign(quote: { id: number; cents: number }): string {
  let digest = `${quote.id}:${quote.cents}`;
  for (let i = 0; i < 20; i++) digest = createHash('sha256').update(digest).digest('hex');
  return digest;
}

/** What the app says about one phase. */
interface PhaseResult {
  /** The app's CPU time (all its threads: V8's sampler, GC) per request. */
  cpuMicrosPerRequest: number;
  /** How many samples the phase's profile holds; absent when the profiler was off, 0 for the tracker alone. */
  samples?: number;
}

/**
 * The app under one variant. The parent asks for phases, `{ profiler: true | false }`, loads the
 * app, then asks for `'report'`: the profiler (if on) stops after the phase is measured, so
 * building the profile is not the requests' cost.
 */
async function runApp(key: string, priceService: string): Promise<void> {
  const variant = VARIANTS.find((v) => v.key === key);
  if (!variant) throw new Error(`unknown variant ${key}; one of ${VARIANTS.map((v) => v.key).join(', ')}`);
  const profiler = await variant.load();
  const { default: express } = await import('express');
  const app = express();
  let phase: { count: number; cpu: NodeJS.CpuUsage; profiling: boolean } | undefined;
  app.use((_request, response, next) => {
    response.once('finish', () => {
      if (phase) phase.count++;
    });
    next();
  });
  app.get('/quote/:id', async (request, response) => {
    const reply = await fetch(`${priceService}/price?id=${encodeURIComponent(request.params.id)}`);
    const quote = (await reply.json()) as { id: number; cents: number };
    response.json({ ...quote, signature: sign(quote) });
  });
  const server = app.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('message', (message: { profiler: boolean } | 'report') => {
    if (message !== 'report') {
      // Every phase starts from a clean heap, so no phase pays for the garbage of the one before.
      globalThis.gc?.();
      if (message.profiler) profiler.start();
      phase = { count: 0, cpu: process.cpuUsage(), profiling: message.profiler };
      process.send!('ready');
      return;
    }
    const { count, cpu, profiling } = phase!;
    const used = process.cpuUsage(cpu);
    phase = undefined;
    const result: PhaseResult = {
      cpuMicrosPerRequest: (used.user + used.system) / count,
      samples: profiling ? profiler.stop() : undefined,
    };
    process.send!(result);
  });
}

const self = fileURLToPath(import.meta.url);

/**
 * Each process runs as npm run profile runs a program: tsx with the workshop's loader. Plain tsx
 * would wrap every function the code creates in esbuild's __name helper, a cost built apps do not
 * pay and that falls on the tracker's per-operation closures.
 */
function start(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(self, args, { execArgv: [...typescriptNodeFlags(), '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: (message as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening`)));
  });
}

async function load(port: number, amount: number, overallRate?: number): Promise<void> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/quote/42`, connections: CONNECTIONS, amount, overallRate });
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`load had ${result.errors} errors and ${result.non2xx} non-2xx answers`);
}

/** One pair of phases: the first app profiled while the second was not, then the other way round. */
interface Pair {
  firstProfiled: { off: PhaseResult; on: PhaseResult };
  secondProfiled: { off: PhaseResult; on: PhaseResult };
}

/**
 * Two app processes under one variant, each warmed up with the profiler off, then `pairs` pairs
 * of phases, both apps loaded at once with `requests` at RATE.
 */
async function measure(key: string, priceService: string, pairs: number, requests: number): Promise<Pair[]> {
  const apps = [await start(['app', key, priceService]), await start(['app', key, priceService])];
  const phase = async (profiled: number): Promise<{ off: PhaseResult; on: PhaseResult }> => {
    await Promise.all(apps.map((app, i) => ask(app.child, { profiler: i === profiled })));
    await Promise.all(apps.map((app) => load(app.port, requests, RATE)));
    const reports = (await Promise.all(apps.map((app) => ask(app.child, 'report')))) as PhaseResult[];
    return { on: reports[profiled]!, off: reports[1 - profiled]! };
  };
  try {
    await Promise.all(apps.map((app) => load(app.port, WARMUP_REQUESTS)));
    const results: Pair[] = [];
    for (let pair = 0; pair < pairs; pair++) results.push({ firstProfiled: await phase(0), secondProfiled: await phase(1) });
    return results;
  } finally {
    for (const app of apps) app.child.kill();
  }
}

/**
 * What a pair says the profiler leaves of throughput: CPU off / CPU on, as a geometric mean over
 * its two phases, in which each app was once on and once off, so that one app process running
 * faster than the other (JIT luck, which core it got) cancels out.
 */
function pairRatio({ firstProfiled, secondProfiled }: Pair): number {
  return Math.sqrt(
    (firstProfiled.off.cpuMicrosPerRequest / firstProfiled.on.cpuMicrosPerRequest) *
      (secondProfiled.off.cpuMicrosPerRequest / secondProfiled.on.cpuMicrosPerRequest),
  );
}

/** Sends a message to the app and waits for its answer; rejects if it exits first. */
function ask(child: ChildProcess, message: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`the app exited with ${code} while asked ${JSON.stringify(message)}`));
    child.once('exit', exited);
    child.once('message', (answer) => {
      child.off('exit', exited);
      resolve(answer);
    });
    child.send(message as object);
  });
}

export async function run(options: { quick: boolean }): Promise<void> {
  const pairs = options.quick ? QUICK_PAIRS : PAIRS;
  const requests = options.quick ? QUICK_PHASE_REQUESTS : PHASE_REQUESTS;
  console.log('wall-overhead: express app, per request a fetch to a local price service and 20 sha256 rounds, loaded by autocannon');
  console.log(`(${CONNECTIONS} connections, ${RATE} requests/s); per variant two app processes side by side, warmed up with ${WARMUP_REQUESTS} requests,`);
  console.log(`then ${pairs} pairs of phases of ${requests} requests, in each pair either app profiled once while the other is not`);
  console.log("CPU µs/req: the app's, all threads, median of the phases; ratio: CPU off / CPU on (what throughput at saturation keeps),");
  console.log('a geometric mean per pair, median over the pairs; min..max over the pairs');
  console.log('');

  const { child: priceService, port } = await start(['price-service']);
  const results: Pair[][] = [];
  try {
    for (const [i, variant] of VARIANTS.entries()) {
      progress('variant', i, VARIANTS.length);
      results.push(await measure(variant.key, `http://127.0.0.1:${port}`, pairs, requests));
    }
    progress('variant', VARIANTS.length, VARIANTS.length);
  } finally {
    priceService.kill();
  }

  const rows = VARIANTS.map((variant, i) => {
    const pairs = results[i]!;
    const phases = pairs.flatMap(({ firstProfiled, secondProfiled }) => [firstProfiled, secondProfiled]);
    const ratios = pairs.map(pairRatio);
    const ratio = median(ratios);
    return {
      variant,
      ratio,
      cells: [
        variant.label,
        median(phases.map(({ off }) => off.cpuMicrosPerRequest)).toFixed(0),
        median(phases.map(({ on }) => on.cpuMicrosPerRequest)).toFixed(0),
        `${ratio.toFixed(3)}x`,
        percent(ratio),
        `${Math.min(...ratios).toFixed(3)}..${Math.max(...ratios).toFixed(3)}`,
        median(phases.map(({ on }) => on.samples ?? 0))
          .toFixed(0)
          .replace(/^0$/, '-'),
      ],
    };
  });
  printTable(
    ['variant', 'CPU µs/req off', 'on', 'ratio', 'throughput', 'min..max', 'samples'],
    rows.map((row) => row.cells),
  );
  const wall = rows.find((row) => row.variant.key === 'wall')!.ratio;
  console.log('');
  console.log(`target: wall profiler costs at most 5% throughput: ${wall >= 0.95 ? 'met' : 'not met'} (${((1 - wall) * 100).toFixed(1)}% lost)`);
}

if (process.argv[1] === self) {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'price-service') runPriceService();
  else if (mode === 'app') await runApp(args[0] ?? '', args[1] ?? '');
  else throw new Error('usage: wall-overhead.ts price-service | app <variant> <price service URL>');
}

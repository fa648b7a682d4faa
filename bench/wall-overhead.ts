/**
 * What a profiler costs a web service: an express app that, per request, fetches a price from a
 * second local service and signs the answer with a few sha256 rounds, loaded over loopback by
 * autocannon for a fixed number of requests. Throughput with no profiler, our CPU profiler, our
 * wall profiler (V8 samples plus the async tracker, which wraps every fetch and timer), the
 * async tracker alone (what the wall profiler adds to V8's sampling) and @datadog/pprof's time
 * profiler, each in a fresh app process, rounds interleaved.
 *
 * The price service runs once for the whole benchmark, in its own process, so every variant
 * fetches from the same thing. Run one app by hand with
 *
 *   node --import tsx bench/wall-overhead.ts app wall http://127.0.0.1:PORT
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { typescriptNodeFlags } from '../src/cli/typescript-node.ts';
import { median, percent, printTable, progress, provenSamples } from './table.ts';

const REQUESTS = 8_000;
const QUICK_REQUESTS = 2_000;
/** Requests sent to each fresh app before measuring, so every variant is timed warm. */
const WARMUP_REQUESTS = 1_500;
/** Concurrent connections: enough to keep the app busy while some requests wait on the price service. */
const CONNECTIONS = 16;
const ROUNDS = 5;
const QUICK_ROUNDS = 1;

interface Profiler {
  start(): void;
  /** Stops and returns how many samples the profile holds, or throws if it missed the app. */
  stop(): number;
}

const VARIANTS: { key: string; label: string; load(): Promise<Profiler | undefined> }[] = [
  { key: 'none', label: 'no profiler', load: async () => undefined },
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
      const { installAsyncTracker } = await import('#profiler');
      return { start: () => installAsyncTracker(), stop: () => 0 };
    },
  },
  {
    key: 'datadog',
    label: '@datadog/pprof time 100 Hz',
    async load() {
      const { time } = await import('@datadog/pprof');
      // durationMillis only sizes the profiler's buffers; the profile ends at stop().
      return { start: () => time.start({ intervalMicros: 10_000, durationMillis: 120_000 }), stop: () => provenSamples('@datadog/pprof', time.stop(), ['sign']) };
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

/** The app under one variant: profiles from its first request to the 'stop' message. */
async function runApp(key: string, priceService: string): Promise<void> {
  const variant = VARIANTS.find((v) => v.key === key);
  if (!variant) throw new Error(`unknown variant ${key}; one of ${VARIANTS.map((v) => v.key).join(', ')}`);
  const profiler = await variant.load();
  const { default: express } = await import('express');
  const app = express();
  // Throughput is timed here, from the first measured request in to the last answer out:
  // autocannon's own clock ticks in whole seconds.
  let measured: { count: number; first?: number; last?: number } | undefined;
  app.use((_request, response, next) => {
    const arrived = performance.now();
    response.once('finish', () => {
      if (!measured) return;
      measured.count++;
      measured.first ??= arrived;
      measured.last = performance.now();
    });
    next();
  });
  app.get('/quote/:id', async (request, response) => {
    const reply = await fetch(`${priceService}/price?id=${encodeURIComponent(request.params.id)}`);
    const quote = (await reply.json()) as { id: number; cents: number };
    response.json({ ...quote, signature: sign(quote) });
  });
  profiler?.start();
  const server = app.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('message', (message) => {
    if (message === 'measure') {
      measured = { count: 0 };
      return;
    }
    const samples = profiler?.stop();
    const { count, first = 0, last = 0 } = measured ?? { count: 0 };
    process.send!({ samples, throughput: (count * 1000) / (last - first) }, () => process.exit(0));
  });
}

const self = fileURLToPath(import.meta.url);

/**
 * Each process runs as npm run profile runs a program: tsx with the workshop's loader. Plain tsx
 * would wrap every function the code creates in esbuild's __name helper, a cost built apps do not
 * pay and that falls on the tracker's per-operation closures.
 */
function start(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(self, args, { execArgv: typescriptNodeFlags(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, port: (message as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening`)));
  });
}

async function load(port: number, amount: number): Promise<void> {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/quote/42`, connections: CONNECTIONS, amount });
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`load had ${result.errors} errors and ${result.non2xx} non-2xx answers`);
}

interface AppResult {
  /** Requests per second, as the app timed them. */
  throughput: number;
  /** Absent without a profile, 0 for the tracker alone. */
  samples?: number;
}

async function measure(key: string, priceService: string, requests: number): Promise<AppResult> {
  const { child, port } = await start(['app', key, priceService]);
  try {
    await load(port, WARMUP_REQUESTS);
    child.send('measure');
    await load(port, requests);
    const reply = new Promise<AppResult>((resolve) => child.once('message', (message) => resolve(message as AppResult)));
    child.send('stop');
    return await reply;
  } finally {
    child.kill();
  }
}

export async function run(options: { quick: boolean }): Promise<void> {
  const rounds = options.quick ? QUICK_ROUNDS : ROUNDS;
  const requests = options.quick ? QUICK_REQUESTS : REQUESTS;
  console.log(`wall-overhead: express app, per request a fetch to a local price service and 20 sha256 rounds;`);
  console.log(`autocannon, ${CONNECTIONS} connections, ${requests} requests after ${WARMUP_REQUESTS} warm-up, ${rounds} interleaved rounds, a fresh app per run`);
  console.log('ratio: median over rounds of the throughput / the baseline throughput of the same round');
  console.log('');

  const { child: priceService, port } = await start(['price-service']);
  const results = VARIANTS.map(() => [] as AppResult[]);
  try {
    for (let round = 0; round < rounds; round++) {
      progress('round', round, rounds);
      for (const [i, variant] of VARIANTS.entries()) results[i]!.push(await measure(variant.key, `http://127.0.0.1:${port}`, requests));
    }
    progress('round', rounds, rounds);
  } finally {
    priceService.kill();
  }

  const baseline = results[0]!;
  const ratios = results.map((runs) => median(runs.map((r, round) => r.throughput / baseline[round]!.throughput)));
  printTable(
    ['variant', 'median req/s', 'min..max req/s', 'ratio', 'throughput', 'samples'],
    VARIANTS.map((variant, i) => {
      const throughputs = results[i]!.map((r) => r.throughput);
      return [
        variant.label,
        median(throughputs).toFixed(0),
        `${Math.min(...throughputs).toFixed(0)}..${Math.max(...throughputs).toFixed(0)}`,
        `${ratios[i]!.toFixed(3)}x`,
        percent(ratios[i]!),
        String(results[i]![results[i]!.length - 1]!.samples || '-'),
      ];
    }),
  );
  const wall = ratios[VARIANTS.findIndex((v) => v.key === 'wall')]!;
  console.log('');
  console.log(`target: wall profiler costs at most 5% throughput: ${wall >= 0.95 ? 'met' : 'not met'} (${((1 - wall) * 100).toFixed(1)}% lost)`);
}

if (process.argv[1] === self) {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'price-service') runPriceService();
  else if (mode === 'app') await runApp(args[0] ?? '', args[1] ?? '');
  else throw new Error('usage: wall-overhead.ts price-service | app <variant> <price service URL>');
}

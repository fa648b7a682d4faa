/**
 * The library's visitors, in a process of their own so that a CPU profile of the service holds
 * the service alone. main.ts starts it and tells it where the service listens. Two kinds of
 * visitor, each a loop of requests with a pause between them:
 *
 * - readers browse the catalogue: a book's page, a search, now and then the health check;
 * - members sign in to renew their loans (one attempt in ten with a mistyped password).
 *
 * It measures each request as a visitor sees it, from sending it to reading the whole answer,
 * and sends main.ts every route's latencies, with any answer a working service would not give:
 * every N seconds (its argument), or with 0 only when told to stop. {reset: true} starts the
 * measurement afresh (what came before was a warm-up); {stop: true} ends the visits.
 */
const READERS = 4;
const READER_PAUSE_MS = 10;
const MEMBERS = 3;
const MEMBER_PAUSE_MS = 400;

export interface LatencyReport {
  seconds: number;
  /** Each route's latencies in milliseconds, in the order the responses came. */
  latencies: Record<string, number[]>;
  unexpected: string[];
}

const reportEvery = Number(process.argv[2] ?? 5);
let stopped = false;
let latencies = new Map<string, number[]>();
let unexpected: string[] = [];
let windowStarted = performance.now();

const origin = await new Promise<string>((resolve) => {
  process.on('message', (message: { origin?: string; reset?: boolean; stop?: boolean }) => {
    if (message.origin) resolve(message.origin);
    if (message.reset) report();
    if (message.stop) stopped = true;
  });
  // A message sent before this listener existed would be lost: main.ts waits for this one first.
  process.send!({ ready: true });
});

/** One request, timed; `expect` is the status a working service answers with. */
async function timed(route: string, path: string, expect: number, init?: RequestInit): Promise<void> {
  const started = performance.now();
  const response = await fetch(`${origin}${path}`, init);
  await response.arrayBuffer();
  const elapsed = performance.now() - started;
  if (!latencies.has(route)) latencies.set(route, []);
  latencies.get(route)!.push(elapsed);
  if (response.status !== expect && unexpected.length < 10) unexpected.push(`${route} answered ${response.status}, not ${expect}`);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function reader(n: number): Promise<void> {
  const queries = ['garden', 'river', 'winter', 'history of', 'cooking'];
  for (let i = n; !stopped; i++) {
    if (i % 10 === 9) await timed('GET /health', '/health', 200);
    else if (i % 3 === 0) await timed('GET /books?q=', `/books?q=${encodeURIComponent(queries[i % queries.length]!)}`, 200);
    else await timed('GET /books/:id', `/books/${(i * 37) % 2_000}`, 200);
    await pause(READER_PAUSE_MS);
  }
}

async function member(n: number): Promise<void> {
  for (let i = n; !stopped; i++) {
    const wrong = i % 10 === 7;
    const body = JSON.stringify({ card: `card-${1000 + n}`, password: wrong ? 'hunter3' : `open sesame ${n}` });
    await timed('POST /login', '/login', wrong ? 401 : 200, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await pause(MEMBER_PAUSE_MS);
  }
}

function report(): LatencyReport {
  const result = {
    seconds: (performance.now() - windowStarted) / 1000,
    latencies: Object.fromEntries([...latencies].sort(([a], [b]) => (a < b ? -1 : 1)).map(([route, values]) => [route, values.map((ms) => Math.round(ms * 100) / 100)])),
    unexpected,
  };
  latencies = new Map();
  unexpected = [];
  windowStarted = performance.now();
  return result;
}

const timer = reportEvery > 0 ? setInterval(() => process.send!(report()), reportEvery * 1000) : undefined;
await Promise.all([...Array.from({ length: READERS }, (_, n) => reader(n)), ...Array.from({ length: MEMBERS }, (_, n) => member(n))]);
clearInterval(timer);
process.send!(report());
process.disconnect();

/**
 * Everything outside the shop, in a process of its own: the carrier's rate service, and the
 * customers who ask the shop for shipping quotes. main.ts starts it and the two talk over IPC:
 * this process says where the carrier listens, the shop says where it listens, and the
 * customers start. It ends when the shop does.
 *
 * The carrier: GET /v1/rates/DE answers {"country": "DE", "perKg": 4.1} for the countries it
 * delivers to, and 404 with a JSON error for the others.
 * The customers: a new quote every 25 ms (they do not wait for each other), for carts of 0.2 to
 * 6 kg to five countries in turn; a customer gives up on a quote after 3 seconds. Every 2 seconds
 * they say how it went, and how many connections the carrier had open from the shop at most.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const PER_KG: Record<string, number> = { DE: 4.1, FR: 5.3, NL: 3.9, IT: 6.2 };
const DESTINATIONS = ['DE', 'FR', 'NL', 'CH', 'IT'];
const ARRIVAL_MS = 25;
const PATIENCE_MS = 3_000;
const REPORT_MS = 2_000;

const carrier = createServer((request, response) => {
  const country = /^\/v1\/rates\/([A-Z]{2})$/.exec(request.url ?? '')?.[1];
  const perKg = country && PER_KG[country];
  response.setHeader('content-type', 'application/json');
  if (!perKg) response.writeHead(404).end(JSON.stringify({ error: `no delivery to ${country ?? 'that address'}`, deliversTo: Object.keys(PER_KG) }));
  else response.end(JSON.stringify({ country, perKg }));
});
/**
 * Connections open at the carrier now, and the most at once since the last report. A connection
 * counts until the shop closes its end (the first of end, error or close), and the count is
 * taken once the events that arrived with a new connection are handled: a shop that closes one
 * connection and opens the next has not had two open at once.
 */
let connections = 0;
let mostConnections = 0;
carrier.on('connection', (socket) => {
  connections++;
  let open = true;
  const closing = () => {
    if (open) connections--;
    open = false;
  };
  socket.once('end', closing).once('error', closing).once('close', closing);
  setImmediate(() => (mostConnections = Math.max(mostConnections, connections)));
});
carrier.listen(0, '127.0.0.1', () => process.send!({ carrier: `http://127.0.0.1:${(carrier.address() as AddressInfo).port}` }));
process.on('disconnect', () => process.exit(0));

process.once('message', ({ shop }: { shop: string }) => {
  let asked = 0;
  const window = { answered: 0, slowestMs: 0, gaveUp: 0, failed: 0 };
  setInterval(() => {
    const slowest = window.answered > 0 ? ` (slowest ${window.slowestMs.toFixed(0)} ms)` : '';
    const failed = window.failed ? `, ${window.failed} failed` : '';
    console.log(`last 2 s: customers got ${window.answered} quotes${slowest}, ${window.gaveUp} gave up after 3 s${failed}; the carrier had up to ${mostConnections} connections open`);
    Object.assign(window, { answered: 0, slowestMs: 0, gaveUp: 0, failed: 0 });
    mostConnections = connections;
  }, REPORT_MS);
  setInterval(() => {
    const n = asked++;
    const started = performance.now();
    fetch(`${shop}/quote?to=${DESTINATIONS[n % DESTINATIONS.length]}&grams=${200 + ((n * 370) % 5800)}`, { signal: AbortSignal.timeout(PATIENCE_MS) })
      .then(async (response) => {
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        window.answered++;
        window.slowestMs = Math.max(window.slowestMs, performance.now() - started);
      })
      .catch((error: Error) => (error.name === 'TimeoutError' ? window.gaveUp++ : window.failed++));
  }, ARRIVAL_MS);
});

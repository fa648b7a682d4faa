/**
 * async-leak: the storefront's stock sync. It keeps the stock levels the shop shows up to date
 * by asking the inventory service about the whole catalog, a batch of products at a time. A
 * lookup gets 75 ms: when the answer is late, the sync moves on and the levels shown stay as
 * they were.
 *
 *   npm run exercise async-leak             the storefront on http://localhost:8080 with /debug/pprof, until Ctrl-C (or: ... async-leak 9090)
 *   npm run exercise async-leak profile     3 seconds of it, then async.pb.gz: what is in flight at that moment
 */
import express from 'express';
import type { AddressInfo } from 'node:net';
import { asyncProfile, installAsyncTracker, writeProfile } from '#profiler';
import { debugPprof } from '#profiler/http';
import { startInventoryService } from './inventory.ts';

const LOOKUP_DEADLINE_MS = 75;
const CATALOG_SIZE = 2_000;
const BATCH_SIZE = 20;

/** The stock levels the shop shows, as last heard from the inventory service. */
const shownLevels = new Map<string, number>();
const lookups = { answered: 0, late: 0 };

/**
 * The stock level of each SKU, or undefined when the inventory service does not answer in time.
 * The deadline aborts the request itself: a request that merely lost a race would stay open,
 * waiting for an answer that may never come, and nobody would ever read it.
 */
async function lookUpStock(inventory: string, skus: string[]): Promise<Record<string, number> | undefined> {
  try {
    const response = await fetch(`${inventory}/stock/lookup`, { method: 'POST', body: JSON.stringify({ skus }), signal: AbortSignal.timeout(LOOKUP_DEADLINE_MS) });
    return (await response.json()) as Record<string, number>;
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return undefined;
    throw error;
  }
}

/** Goes round the catalog, batch after batch, until `stopped()` says so. */
async function syncStock(inventory: string, stopped: () => boolean): Promise<void> {
  for (let first = 0; !stopped(); first = (first + BATCH_SIZE) % CATALOG_SIZE) {
    const skus = Array.from({ length: BATCH_SIZE }, (_, i) => `sku-${first + i}`);
    const levels = await lookUpStock(inventory, skus);
    if (!levels) {
      lookups.late++;
      continue;
    }
    lookups.answered++;
    for (const [sku, level] of Object.entries(levels)) shownLevels.set(sku, level);
  }
}

/** One line on how the sync is doing, and what the inventory service sees of us. */
async function status(inventory: Awaited<ReturnType<typeof startInventoryService>>, seconds: number): Promise<string> {
  const open = await new Promise<number>((resolve) => inventory.server.getConnections((_error, count) => resolve(count)));
  return `${seconds} s: ${lookups.answered} lookups answered, ${lookups.late} late; connections open at the inventory service: ${open}`;
}

const [argument, output = 'async.pb.gz'] = process.argv.slice(2);
const profileMode = argument === 'profile';
if (profileMode) installAsyncTracker(); // debugPprof() does it in the other mode.
const inventory = await startInventoryService();

if (profileMode) {
  let stopped = false;
  void syncStock(inventory.origin, () => stopped);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  writeProfile(output, asyncProfile());
  stopped = true;
  console.log(await status(inventory, 3));
  console.log(`wrote ${output}`);
  // Whatever is still in flight would keep the process alive: end it here.
  process.exit(0);
}

const app = express();
app.get('/stock/:sku', (request, response) => {
  const level = shownLevels.get(request.params.sku);
  if (level === undefined) response.status(404).json({ error: 'not synced yet' });
  else response.json({ sku: request.params.sku, level });
});
app.use('/debug/pprof', debugPprof());
const server = app.listen(Number(argument ?? 8080), '127.0.0.1');
await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
const base = `http://localhost:${(server.address() as AddressInfo).port}`;
console.log(`storefront on ${base} (try ${base}/stock/sku-42), profiles on ${base}/debug/pprof/`);
console.log('the stock sync runs; Ctrl-C to stop');
void syncStock(inventory.origin, () => false);
let seconds = 0;
setInterval(async () => console.log(await status(inventory, (seconds += 5))), 5_000);

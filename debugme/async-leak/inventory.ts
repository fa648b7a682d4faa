/**
 * A stand-in for the inventory service the storefront asks about stock: POST /stock/lookup with
 * {"skus": [...]} answers the level of each. One of its five database shards is stuck, and a
 * lookup that lands on it is never answered: the connection stays open, and nothing comes back.
 * It runs in the storefront's process only so that the exercise needs nothing else; to the
 * storefront it is a service over HTTP like any other.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const SHARDS = 5;
const STUCK_SHARD = 3;

/** Starts the service on a free loopback port; resolves with its origin, e.g. http://127.0.0.1:41234. */
export async function startInventoryService(): Promise<{ origin: string; server: Server }> {
  let lookups = 0;
  const server = createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/stock/lookup') {
      response.writeHead(404).end();
      return;
    }
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      // Lookups take turns over the shards; those on the stuck one wait for ever.
      if (lookups++ % SHARDS === STUCK_SHARD) return;
      const { skus } = JSON.parse(body) as { skus: string[] };
      const levels = Object.fromEntries(skus.map((sku) => [sku, levelOf(sku)]));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(levels));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Some stock level, the same for a SKU every time. */
function levelOf(sku: string): number {
  let hash = 0;
  for (const char of sku) hash = (hash * 31 + char.charCodeAt(0)) % 1000;
  return hash % 40;
}

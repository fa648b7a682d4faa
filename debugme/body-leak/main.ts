/**
 * body-leak: the shop's shipping quotes. GET /quote?to=DE&grams=1200 prices the shipping of a
 * cart with the carrier's current rate for the country, asked from the carrier's API for each
 * quote over a pool of at most four connections (the carrier's terms). Where the carrier does
 * not deliver, the shop charges the flat rate of a partner. The carrier, and the customers
 * asking for quotes, run in another process (outside.ts).
 *
 *   npm run exercise body-leak             the shop on http://localhost:8080 with /debug/pprof, and its customers, until Ctrl-C (or: ... body-leak 9090)
 *   npm run exercise body-leak profile     3 seconds of it, then async.pb.gz: what is in flight at that moment
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { asyncProfile, writeProfile } from '#profiler';
import { debugPprof } from '#profiler/http';

/** What the partner charges per kilogram where the carrier does not deliver. */
const FLAT_RATE_PER_KG = 9.5;
/** Connections to the carrier are kept open and reused, four at most: more requests wait for one. */
const carrierPool = new http.Agent({ keepAlive: true, maxSockets: 4 });

const [argument, output = 'async.pb.gz'] = process.argv.slice(2);
const profileMode = argument === 'profile';
const outside = fork('outside.ts', { execArgv: process.execArgv });
const { carrier } = await new Promise<{ carrier: string }>((resolve) => outside.once('message', resolve));

/** Calls back with the carrier's price per kilogram to `country`, or the flat rate where the carrier does not deliver. */
function ratePerKg(country: string, callback: (error: Error | null, perKg?: number) => void): void {
  const request = http.get(`${carrier}/v1/rates/${country}`, { agent: carrierPool }, (response) => {
    if (response.statusCode === 404) return callback(null, FLAT_RATE_PER_KG);
    if (response.statusCode !== 200) return callback(new Error(`the carrier answered ${response.statusCode}`));
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (body += chunk));
    response.on('end', () => callback(null, (JSON.parse(body) as { perKg: number }).perKg));
  });
  request.on('error', callback);
}

/** GET /quote?to=DE&grams=1200: the price of shipping a cart, in euros. */
function quote(request: express.Request, response: express.Response, next: express.NextFunction): void {
  const country = String(request.query.to ?? '');
  const grams = Number(request.query.grams);
  if (!/^[A-Z]{2}$/.test(country) || !(grams > 0)) {
    response.status(400).json({ error: 'ask for /quote?to=DE&grams=1200' });
    return;
  }
  ratePerKg(country, (error, perKg) => {
    if (error) next(error);
    else response.json({ to: country, grams, price: Math.round(perKg! * grams) / 1000 });
  });
}

const app = express();
app.get('/quote', quote);
app.use('/debug/pprof', debugPprof());
const server = app.listen(profileMode ? 0 : Number(argument ?? 8080), '127.0.0.1');
await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
const base = `http://localhost:${(server.address() as AddressInfo).port}`;
outside.send({ shop: base });

if (profileMode) {
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  writeProfile(output, asyncProfile());
  console.log(`wrote ${output}`);
  outside.kill();
  // Whatever is still in flight would keep the process alive: end it here.
  process.exit(0);
}
console.log(`shop on ${base} (try ${base}/quote?to=DE&grams=1200), profiles on ${base}/debug/pprof/`);
console.log('customers are shopping; Ctrl-C to stop');

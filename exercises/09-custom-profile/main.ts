/**
 * Exercise 09: a service whose pool of 16 database connections drains. It serves 600 requests,
 * four at a time, a fixed mix of four kinds, then writes connections.pb.gz: the profile of the
 * connections still checked out, made by your connectionsProfile (pool-profile.ts).
 *
 *   npm run exercise 09-custom-profile
 */
import { writeProfile } from '#pprof';
import { getUser, listOrders, monthlyReport, updateEmail } from './app.ts';
import { ConnectionPool } from './pool.ts';
import { connectionsProfile } from './pool-profile.ts';

const REQUESTS = 600;
const CONCURRENCY = 4;
const pool = new ConnectionPool(16);

/** The n-th request: the same mix on every run, so every run leaks alike. */
function request(n: number): Promise<unknown> {
  switch (n % 7) {
    case 0:
    case 3:
      return listOrders(pool, n);
    case 1:
      return updateEmail(pool, n, `user${n}@example.com`);
    case 5:
      // Reports for the month of the request's number; a few are for months that do not exist.
      return monthlyReport(pool, n % 70 === 5 ? 13 : 1 + (n % 12));
    default:
      return getUser(pool, n);
  }
}

let next = 0;
let failed = 0;
async function worker(): Promise<void> {
  while (next < REQUESTS) {
    const n = next++;
    await request(n).catch((error: Error) => {
      failed++;
      if (failed === 1) console.log(`request ${n} failed: ${error.message}`);
    });
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const checkedOut = pool.checkedOut().length;
console.log(`${REQUESTS} requests in ${(performance.now() - started).toFixed(0)} ms, ${failed} failed; ${checkedOut} of ${pool.size} connections still checked out`);
writeProfile('connections.pb.gz', connectionsProfile(pool));
console.log('wrote connections.pb.gz');

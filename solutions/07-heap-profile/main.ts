/**
 * Exercise 07: what a program allocates, against what it holds; then a fix for what it holds.
 *
 *   npm run exercise 07-heap-profile        sampling every 512 KiB -> heap.pb.gz, allocs.pb.gz
 *   npm run exercise 07-heap-profile 16     every 16 KiB           -> heap-16k.pb.gz, allocs-16k.pb.gz
 *   npm run exercise 07-heap-profile after  every 16 KiB, after your fix -> heap-after.pb.gz, allocs-after.pb.gz
 *   npm run exercise 07-heap-profile check  the work once, unprofiled: what the cache does, as JSON
 *
 * A made-up price service handles ROUNDS rounds of requests. For each request it renders a quote
 * as JSON and throws it away (renderQuotes). It welcomes back customers who return
 * (welcomeBack), and it remembers every new customer it sees (rememberCustomers), in a Map
 * bounded to the CACHE_LIMIT customers seen last.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { heapProfile, startAllocationProfile, startHeapProfiling, stopAllocationProfile, stopHeapProfiling, writeProfile } from '#profiler';

const ROUNDS = 40;
const QUOTES_PER_ROUND = 25_000;
const NEW_CUSTOMERS_PER_ROUND = 2_500;
/** Customers who come back do so within this many rounds of their first visit, or never. */
const RETURN_WITHIN_ROUNDS = 4;
const RETURNING_PER_ROUND = 2_500;
/**
 * The cache's bound. A customer may come back up to 4 rounds after a visit: the 10,000 new
 * customers of those rounds and the up to 10,000 who came back in them, at most.
 */
const CACHE_LIMIT = 20_000;

interface Customer {
  id: number;
  name: string;
  email: string;
  lastVisit: number;
}

/** What the cache did over the whole workload: how many visits found their customer in it. */
interface CacheStats {
  returningVisits: number;
  foundInCache: number;
}

/** Renders each quote as JSON, as a response body would be, and keeps only the total length. */
function renderQuotes(round: number): number {
  let bytes = 0;
  for (let i = 0; i < QUOTES_PER_ROUND; i++) {
    const n = round * QUOTES_PER_ROUND + i;
    const quote = { id: n, product: `product-${n % 5_003}`, prices: [n % 97, n % 89, n % 83, n % 79], currency: 'EUR' };
    bytes += JSON.stringify(quote).length;
  }
  return bytes;
}

/** A customer as the database holds them: what a visit not found in the cache costs a query for. */
function loadCustomer(id: number, round: number): Customer {
  return { id, name: `Customer number ${id}`, email: `customer.${id}@example.com`, lastVisit: round };
}

/**
 * This round's returning customers, each first seen in one of the last RETURN_WITHIN_ROUNDS
 * rounds: found in the cache, or loaded from the database and cached again.
 */
function welcomeBack(customers: Map<number, Customer>, round: number, stats: CacheStats): void {
  const rounds = Math.min(round, RETURN_WITHIN_ROUNDS);
  const firstId = (round - rounds) * NEW_CUSTOMERS_PER_ROUND;
  const span = rounds * NEW_CUSTOMERS_PER_ROUND;
  for (let i = 0; i < RETURNING_PER_ROUND && span > 0; i++) {
    // A stride prime to the span: a different customer for each i, spread over the rounds.
    const id = firstId + ((i * 7_919 + round * 3_571) % span);
    stats.returningVisits++;
    const customer = customers.get(id);
    if (customer) {
      customer.lastVisit = round;
      stats.foundInCache++;
      // A Map iterates in the order of insertion: moved to the end, the customer is the last one
      // evicted, so the Map's first entries are those seen least recently.
      customers.delete(id);
      customers.set(id, customer);
    } else {
      customers.set(id, loadCustomer(id, round));
    }
  }
}

/** Adds this round's new customers to the cache, then evicts those seen least recently beyond CACHE_LIMIT. */
function rememberCustomers(customers: Map<number, Customer>, round: number): void {
  for (let i = 0; i < NEW_CUSTOMERS_PER_ROUND; i++) {
    const id = round * NEW_CUSTOMERS_PER_ROUND + i;
    customers.set(id, { id, name: `Customer number ${id}`, email: `customer.${id}@example.com`, lastVisit: round });
  }
  for (const id of customers.keys()) {
    if (customers.size <= CACHE_LIMIT) break;
    customers.delete(id);
  }
}

/** A full garbage collection now: V8's gc(), exposed to a fresh context, not to this program's globals. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** The whole workload, on an empty cache; returns the cache so the caller decides how long it lives. */
function serve(stats: CacheStats = { returningVisits: 0, foundInCache: 0 }, quiet = false): Map<number, Customer> {
  const customers = new Map<number, Customer>();
  let rendered = 0;
  for (let round = 0; round < ROUNDS; round++) {
    rendered += renderQuotes(round);
    welcomeBack(customers, round, stats);
    rememberCustomers(customers, round);
  }
  if (!quiet) {
    const found = ((100 * stats.foundInCache) / stats.returningVisits).toFixed(1);
    console.log(`  rendered ${(rendered / 2 ** 20).toFixed(0)} MiB of JSON; ${found}% of ${stats.returningVisits.toLocaleString('en')} returning visits found their customer in the cache, which holds ${customers.size.toLocaleString('en')}`);
  }
  return customers;
}

const mode = process.argv[2];
if (mode === 'check') {
  // For the check: the same work, no profiler, and what the cache kept and did, as one line of JSON.
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const stats = { returningVisits: 0, foundInCache: 0 };
  const customers = serve(stats, true);
  collectGarbage();
  const heldBytes = process.memoryUsage().heapUsed - before;
  console.log(JSON.stringify({ customersSeen: ROUNDS * NEW_CUSTOMERS_PER_ROUND, cached: customers.size, ...stats, heldBytes }));
  process.exit(0);
}
const intervalKiB = mode === undefined ? undefined : mode === 'after' ? 16 : Number(mode);
if (intervalKiB !== undefined && !(Number.isInteger(intervalKiB) && intervalKiB >= 1)) throw new Error(`say a sampling interval, a whole number of KiB (1 or more), or after: got ${mode}`);
const options = intervalKiB === undefined ? {} : { intervalBytes: intervalKiB * 1024 };
const suffix = mode === undefined ? '' : mode === 'after' ? '-after' : `-${intervalKiB}k`;

// V8 has one heap sampler, and whether it keeps the objects the GC has collected is fixed when it
// starts. So the same work runs twice: once for what was allocated, once for what is still held.
console.log('allocation profile (everything allocated, garbage included):');
startAllocationProfile(options);
serve();
writeProfile(`allocs${suffix}.pb.gz`, stopAllocationProfile());
collectGarbage();

console.log('heap profile (what is still held at the end):');
const before = process.memoryUsage().heapUsed;
startHeapProfiling(options);
const customers = serve();
writeProfile(`heap${suffix}.pb.gz`, heapProfile({ gc: true }));
stopHeapProfiling();
collectGarbage();
const held = process.memoryUsage().heapUsed - before;
console.log(`  after a full GC the heap holds ${(held / 2 ** 20).toFixed(1)} MiB more than before it: ${customers.size.toLocaleString('en')} customers`);
console.log(`wrote allocs${suffix}.pb.gz and heap${suffix}.pb.gz`);

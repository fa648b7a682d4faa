/**
 * Exercise 07: what a program allocates, against what it holds.
 *
 *   npm run exercise 07-heap-profile        sampling every 512 KiB -> heap.pb.gz, allocs.pb.gz
 *   npm run exercise 07-heap-profile 16     every 16 KiB           -> heap-16k.pb.gz, allocs-16k.pb.gz
 *
 * A made-up price service handles ROUNDS rounds of requests. For each request it renders a quote
 * as JSON and throws it away (renderQuotes), and it remembers every new customer it sees, in a
 * Map that is never trimmed (rememberCustomers).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { heapProfile, startAllocationProfile, startHeapProfiling, stopAllocationProfile, stopHeapProfiling, writeProfile } from '#profiler';

const ROUNDS = 40;
const QUOTES_PER_ROUND = 25_000;
const NEW_CUSTOMERS_PER_ROUND = 2_500;

interface Customer {
  id: number;
  name: string;
  email: string;
  visits: number[];
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

/** Adds this round's new customers to the cache. Nothing ever leaves it. */
function rememberCustomers(customers: Map<number, Customer>, round: number): void {
  for (let i = 0; i < NEW_CUSTOMERS_PER_ROUND; i++) {
    const id = round * NEW_CUSTOMERS_PER_ROUND + i;
    customers.set(id, { id, name: `Customer number ${id}`, email: `customer.${id}@example.com`, visits: [round, i] });
  }
}

/** A full garbage collection now: V8's gc(), exposed to a fresh context, not to this program's globals. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** The whole workload, on an empty cache; returns the cache so the caller decides how long it lives. */
function serve(): Map<number, Customer> {
  const customers = new Map<number, Customer>();
  let rendered = 0;
  for (let round = 0; round < ROUNDS; round++) {
    rendered += renderQuotes(round);
    rememberCustomers(customers, round);
  }
  console.log(`  rendered ${(rendered / 2 ** 20).toFixed(0)} MiB of JSON, remembered ${customers.size.toLocaleString('en')} customers`);
  return customers;
}

const intervalKiB = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
if (intervalKiB !== undefined && !(Number.isInteger(intervalKiB) && intervalKiB >= 1)) throw new Error(`the sampling interval is a whole number of KiB, 1 or more: got ${process.argv[2]}`);
const options = intervalKiB === undefined ? {} : { intervalBytes: intervalKiB * 1024 };
const suffix = intervalKiB === undefined ? '' : `-${intervalKiB}k`;

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

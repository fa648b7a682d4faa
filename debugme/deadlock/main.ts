/**
 * deadlock: the nightly settlement. Two jobs run side by side over the shop's books: one posts
 * the day's payments (an entry in the ledger, then the invoice marked paid), the other issues
 * the day's refunds (the invoice marked refunded, then an entry in the ledger). Each part of the
 * books has a lock, so that no two jobs change it at once.
 *
 *   npm run exercise deadlock             the settlement, as it runs every night
 *   npm run exercise deadlock profile     the same with a watchdog: after a second without progress, async.pb.gz (what each job waits on), and exit
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { asyncProfile, installAsyncTracker, trackWait, writeProfile } from '#profiler';

/** A lock for async code: one holder at a time, the others wait in line, first come first served. */
class Mutex {
  #held = false;
  readonly #line: (() => void)[] = [];

  constructor(readonly name: string) {}

  /** Resolves once the caller holds the lock. */
  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    const turn = new Promise<void>((resolve) => this.#line.push(resolve));
    // Marked, so that snapshots and wall profiles show who waits for which lock.
    return trackWait(turn, `lock ${this.name}`);
  }

  /** Hands the lock to the next in line, or frees it. */
  release(): void {
    const next = this.#line.shift();
    if (next) next();
    else this.#held = false;
  }
}

interface Invoice {
  id: number;
  amount: number;
  status: 'open' | 'paid' | 'refunded';
}

const invoices = Array.from({ length: 60 }, (_, i): Invoice => ({ id: i + 1, amount: 20 + ((i * 37) % 180), status: 'open' }));
const ledger: { invoice: number; amount: number }[] = [];
const ledgerLock = new Mutex('ledger');
const invoicesLock = new Mutex('invoices');

/** A write to the database the books live in (a stand-in: a couple of milliseconds). */
const write = () => sleep(2);

const payments = invoices.slice(0, 40);
const refunds = [3, 8, 15, 21, 30, 34].map((id) => invoices[id - 1]!);
const done = { payments: 0, refunds: 0 };

/** Each payment: an entry in the ledger, then its invoice marked paid. */
async function postPayments(): Promise<void> {
  for (const invoice of payments) {
    await ledgerLock.acquire();
    ledger.push({ invoice: invoice.id, amount: invoice.amount });
    await write();
    await invoicesLock.acquire();
    invoice.status = 'paid';
    await write();
    invoicesLock.release();
    ledgerLock.release();
    done.payments++;
  }
}

/** Each refund: its invoice marked refunded, then an entry in the ledger that pays it back. */
async function issueRefunds(): Promise<void> {
  // The refund requests come from the payment provider's report, ready a little later.
  await sleep(25);
  for (const invoice of refunds) {
    await invoicesLock.acquire();
    invoice.status = 'refunded';
    await write();
    await ledgerLock.acquire();
    ledger.push({ invoice: invoice.id, amount: -invoice.amount });
    await write();
    ledgerLock.release();
    invoicesLock.release();
    done.refunds++;
  }
}

/**
 * In profile mode: once the settlement has made no progress for a second, writes what is in
 * flight (each job's wait) to `output` and ends the process. Its interval is set before the
 * tracker is installed, so that the snapshot holds the settlement alone.
 */
function watchdog(output: string): () => void {
  let seen = -1;
  let since = performance.now();
  const timer = setInterval(() => {
    const progress = done.payments + done.refunds;
    if (progress !== seen) [seen, since] = [progress, performance.now()];
    if (performance.now() - since < 1_000) return;
    writeProfile(output, asyncProfile());
    console.log(`no progress for a second, after ${done.payments} payments and ${done.refunds} refunds: wrote ${output}`);
    process.exit(0);
  }, 100);
  return () => clearInterval(timer);
}

let settled = false;
process.on('exit', () => {
  if (!settled) console.log(`settlement incomplete: ${done.payments} of ${payments.length} payments posted, ${done.refunds} of ${refunds.length} refunds issued`);
});
const [argument, output = 'async.pb.gz'] = process.argv.slice(2);
const stopWatchdog = argument === 'profile' ? watchdog(output) : () => {};
installAsyncTracker();
await Promise.all([postPayments(), issueRefunds()]);
stopWatchdog();
settled = true;
const balance = ledger.reduce((sum, entry) => sum + entry.amount, 0);
console.log(`settled: ${done.payments} of ${payments.length} payments posted, ${done.refunds} of ${refunds.length} refunds issued; ledger balance ${balance}`);

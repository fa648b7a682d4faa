/**
 * deadlock: the nightly settlement. Two jobs run side by side over the shop's books: one posts
 * the day's payments (an entry in the ledger, then the invoice marked paid), the other issues
 * the day's refunds (the invoice marked refunded, then an entry in the ledger). Each part of the
 * books has a lock, so that no two jobs change it at once: books.ts holds the books and their
 * locks, as the database would.
 *
 *   npm run exercise deadlock             the settlement, as it runs every night
 *   npm run exercise deadlock profile     the same with a watchdog: after a second without progress, async.pb.gz (what each job waits on), and exit
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { asyncProfile, installAsyncTracker, writeProfile } from '#profiler';
import { addLedgerEntry, invoices, invoicesLock, ledgerBalance, ledgerLock, markInvoice } from './books.ts';

const payments = invoices.slice(0, 40);
const refunds = [3, 8, 15, 21, 30, 34].map((id) => invoices[id - 1]!);
const done = { payments: 0, refunds: 0 };

/** Each payment: an entry in the ledger, then its invoice marked paid. */
async function postPayments(): Promise<void> {
  for (const invoice of payments) {
    const ledgerHold = await ledgerLock.acquire();
    await addLedgerEntry(ledgerHold, invoice, invoice.amount);
    const invoicesHold = await invoicesLock.acquire();
    await markInvoice(invoicesHold, invoice, 'paid');
    invoicesHold.release();
    ledgerHold.release();
    done.payments++;
  }
}

/**
 * Each refund: its invoice marked refunded, then an entry in the ledger that pays it back. It
 * takes the locks in the order postPayments takes them, the ledger's first: two jobs that take
 * two locks in opposite orders can each hold the one the other waits for, and wait for ever.
 */
async function issueRefunds(): Promise<void> {
  // The refund requests come from the payment provider's report, ready a little later.
  await sleep(25);
  for (const invoice of refunds) {
    const ledgerHold = await ledgerLock.acquire();
    const invoicesHold = await invoicesLock.acquire();
    await markInvoice(invoicesHold, invoice, 'refunded');
    await addLedgerEntry(ledgerHold, invoice, -invoice.amount);
    ledgerHold.release();
    invoicesHold.release();
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
console.log(`settled: ${done.payments} of ${payments.length} payments posted, ${done.refunds} of ${refunds.length} refunds issued; ledger balance ${ledgerBalance()}`);

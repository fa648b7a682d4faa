/**
 * Exercise 10: make the slow part of a billing run fast, and prove it with a diff of two CPU
 * profiles.
 *
 *   npm run exercise 10-diff before     profile the billing run as it is -> before.pb.gz
 *   (make the slow function of billing.ts fast)
 *   npm run exercise 10-diff after      profile it again                 -> after.pb.gz
 *
 * Any other name works too: `npm run exercise 10-diff try2` writes try2.pb.gz. Every run does
 * the same work, so two profiles differ only where the code does.
 */
import { startCPUProfile, stopCPUProfile, writeProfile } from '#profiler';
import { makeInvoices, makePayments, openLedger, postPayments, seededRandom, signReceipt, writeReceipt } from './billing.ts';

const INVOICES = 48_000;
const CUSTOMERS = 5_000;
/**
 * The bank sends payments in batches; each batch gets its own signed receipt. Posting and
 * signing take turns every few milliseconds, so a machine that gets busier halfway through
 * slows both alike, and their shares of the profile hold from run to run.
 */
const BATCH = 500;
const SECRET = 0x5eed;
const SIGNING_ROUNDS = 80;

const name = process.argv[2];
if (!name) {
  console.error('name the profile to write: npm run exercise 10-diff before (or after)');
  process.exit(2);
}
const output = `${name}.pb.gz`;

const random = seededRandom(2026);
const invoices = makeInvoices(INVOICES, CUSTOMERS, random);
const payments = makePayments(invoices, random);

// The profile covers the billing run itself: the ledger, the payments posted, the receipts.
startCPUProfile({ hz: 1000 });
const started = performance.now();
const ledger = openLedger(invoices);
let signature = '00000000';
for (let start = 0; start < payments.length; start += BATCH) {
  const batch = payments.slice(start, start + BATCH);
  postPayments(ledger, batch);
  signature = signReceipt(writeReceipt(batch, signature), SECRET, SIGNING_ROUNDS);
}
const elapsedMs = performance.now() - started;
writeProfile(output, stopCPUProfile());

// A faster postPayments must still add up: every cent paid, by every customer billed.
const paid = ledger.paidByCustomer;
const totalCents = [...paid.values()].reduce((sum, cents) => sum + cents, 0);
const paymentCents = payments.reduce((sum, payment) => sum + payment.amountCents, 0);
const billed = new Set(invoices.map((invoice) => invoice.customer)).size;
if (totalCents !== paymentCents || paid.size !== billed) {
  throw new Error(`postPayments is wrong: ${paid.size} customers paid ${totalCents} cents, but ${billed} customers were billed and ${paymentCents} cents paid`);
}
console.log(`${payments.length.toLocaleString('en')} payments from ${paid.size.toLocaleString('en')} customers, ${(totalCents / 100).toLocaleString('en', { minimumFractionDigits: 2 })} EUR in all`);
console.log(`${Math.ceil(payments.length / BATCH)} receipts signed, the last ${signature}; the billing run took ${elapsedMs.toFixed(0)} ms`);
console.log(`wrote ${output}`);

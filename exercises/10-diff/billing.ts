/**
 * The billing of exercise 10: invoices, a ledger that the bank's payments are posted to in
 * batches, and a signed receipt for each batch, so that nobody can alter one unseen.
 */

export interface Invoice {
  id: number;
  customer: string;
  amountCents: number;
}

export interface Payment {
  invoiceId: number;
  amountCents: number;
}

/** The invoices, and what each customer has paid so far. */
export interface Ledger {
  invoices: readonly Invoice[];
  paidByCustomer: Map<string, number>;
}

/** A small random number generator with a seed, so that every run bills the same customers. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `count` invoices, numbered from 1, each for a customer chosen at random among `customers`. */
export function makeInvoices(count: number, customers: number, random: () => number): Invoice[] {
  const invoices: Invoice[] = [];
  for (let id = 1; id <= count; id++) {
    const customer = `customer-${String(Math.floor(random() * customers)).padStart(5, '0')}`;
    invoices.push({ id, customer, amountCents: 500 + Math.floor(random() * 100_000) });
  }
  return invoices;
}

/** One payment per invoice, in the order the bank sends them: any order at all. */
export function makePayments(invoices: readonly Invoice[], random: () => number): Payment[] {
  const payments = invoices.map((invoice) => ({ invoiceId: invoice.id, amountCents: invoice.amountCents }));
  for (let i = payments.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [payments[i], payments[j]] = [payments[j]!, payments[i]!];
  }
  return payments;
}

/** A ledger with nothing paid yet. */
export function openLedger(invoices: readonly Invoice[]): Ledger {
  return { invoices, paidByCustomer: new Map() };
}

/** Posts a batch of payments: each is matched to the invoice it pays, which names the customer. */
export function postPayments(ledger: Ledger, payments: readonly Payment[]): void {
  for (const payment of payments) {
    let invoice: Invoice | undefined;
    for (let i = 0; i < ledger.invoices.length; i++) {
      if (ledger.invoices[i]!.id === payment.invoiceId) {
        invoice = ledger.invoices[i];
        break;
      }
    }
    if (invoice === undefined) throw new Error(`a payment for invoice ${payment.invoiceId}, which does not exist`);
    ledger.paidByCustomer.set(invoice.customer, (ledger.paidByCustomer.get(invoice.customer) ?? 0) + payment.amountCents);
  }
}

/** The receipt for a batch: the previous receipt's signature, then one line per payment. */
export function writeReceipt(payments: readonly Payment[], previousSignature: string): string {
  const lines = [`after ${previousSignature}`];
  for (const payment of payments) lines.push(`invoice ${String(payment.invoiceId).padStart(6, '0')} paid ${(payment.amountCents / 100).toFixed(2).padStart(10)} EUR`);
  return lines.join('\n');
}

/** A signature of a receipt: FNV-1a over its text, mixed with a secret, round after round. */
export function signReceipt(receipt: string, secret: number, rounds: number): string {
  let hash = secret >>> 0;
  for (let round = 0; round < rounds; round++) {
    hash ^= round;
    for (let i = 0; i < receipt.length; i++) hash = Math.imul(hash ^ receipt.charCodeAt(i), 16_777_619) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

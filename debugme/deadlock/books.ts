/**
 * The shop's books, as the settlement's database keeps them: the invoices and the ledger, each
 * with its lock. Leave it as it is: it stands for the database, and what to fix is in main.ts.
 *
 * A change to a part of the books takes that part's lock first: `acquire()` resolves with a
 * Hold, the proof of holding it, which the change asks for, and which `release()` ends. A change
 * made without the right Hold, or after it was released, is refused with an error: two jobs
 * changing the same part at once is what the locks are there to prevent.
 *
 * Set SETTLEMENT_JOURNAL to a file name and the books write there, as the process exits, which
 * job made each change in turn: how `npm run check deadlock` tells whether the jobs ran side by side.
 */
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackWait } from '#profiler';

/** The proof of holding a lock, until released. */
export class Hold {
  constructor(readonly lock: Mutex) {}

  /** Hands the lock to the next in line, or frees it. */
  release(): void {
    this.lock.release(this);
  }
}

/** A lock for async code: one holder at a time, the others wait in line, first come first served, for as long as it takes. */
export class Mutex {
  #holder: Hold | undefined;
  readonly #line: ((hold: Hold) => void)[] = [];

  constructor(readonly name: string) {}

  /** Resolves with a Hold once the caller holds the lock. */
  acquire(): Promise<Hold> {
    if (!this.#holder) {
      this.#holder = new Hold(this);
      return Promise.resolve(this.#holder);
    }
    const turn = new Promise<Hold>((resolve) => this.#line.push(resolve));
    // Marked, so that snapshots and wall profiles show who waits for which lock.
    return trackWait(turn, `lock ${this.name}`);
  }

  /** Whether `hold` is the lock's holder now. */
  isHeldBy(hold: unknown): boolean {
    return hold !== undefined && hold === this.#holder;
  }

  /** Ends `hold`: the next in line holds the lock, or nobody. */
  release(hold: Hold): void {
    if (hold !== this.#holder) throw new Error(`the ${this.name} lock was released by a Hold that does not hold it`);
    const next = this.#line.shift();
    this.#holder = next ? new Hold(this) : undefined;
    next?.(this.#holder!);
  }
}

export interface Invoice {
  readonly id: number;
  readonly amount: number;
}

/** The invoices, frozen: their status changes only through markInvoice, under the invoices' lock. */
export const invoices: readonly Invoice[] = Array.from({ length: 60 }, (_, i) => Object.freeze({ id: i + 1, amount: 20 + ((i * 37) % 180) }));
const statuses = new Map<Invoice, 'open' | 'paid' | 'refunded'>(invoices.map((invoice) => [invoice, 'open']));
export const ledgerLock = new Mutex('ledger');
export const invoicesLock = new Mutex('invoices');
const ledger: { invoice: number; amount: number }[] = [];

export const statusOf = (invoice: Invoice) => statuses.get(invoice);

/** Which job made each change, in order: a payment's changes, or a refund's. */
const journal: ('payment' | 'refund')[] = [];

/** Refuses a change to `part` unless `hold` holds its lock. */
function mustHold(hold: Hold | undefined, lock: Mutex, change: string): void {
  if (lock.isHeldBy(hold)) return;
  const holding = hold instanceof Hold ? `with a Hold of the ${hold.lock.name} lock${hold.lock.isHeldBy(hold) ? '' : ', already released'}` : 'without a Hold';
  throw new Error(`${change} was made ${holding}: a change to the ${lock.name} needs the ${lock.name} lock, held from before the change until after it (${lock.name}Lock.acquire())`);
}

/** A write to the database (a stand-in: a couple of milliseconds), during which the lock must stay held. */
async function write(hold: Hold | undefined, lock: Mutex, change: string): Promise<void> {
  await sleep(2);
  mustHold(hold, lock, change);
}

/** An entry in the ledger: a payment's amount, or a refund's as a negative one. */
export async function addLedgerEntry(hold: Hold | undefined, invoice: Invoice, amount: number): Promise<void> {
  const change = `the ledger entry of ${amount} for invoice ${invoice.id}`;
  mustHold(hold, ledgerLock, change);
  ledger.push({ invoice: invoice.id, amount });
  journal.push(amount >= 0 ? 'payment' : 'refund');
  await write(hold, ledgerLock, change);
}

/** An invoice marked paid or refunded. */
export async function markInvoice(hold: Hold | undefined, invoice: Invoice, status: 'paid' | 'refunded'): Promise<void> {
  const change = `invoice ${invoice.id} marked ${status}`;
  mustHold(hold, invoicesLock, change);
  statuses.set(invoice, status);
  journal.push(status === 'paid' ? 'payment' : 'refund');
  await write(hold, invoicesLock, change);
}

/** The sum of the ledger's entries. */
export const ledgerBalance = () => ledger.reduce((sum, entry) => sum + entry.amount, 0);

const journalFile = process.env.SETTLEMENT_JOURNAL;
if (journalFile) process.on('exit', () => writeFileSync(journalFile, `${JSON.stringify({ changes: journal })}\n`));

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExercises } from '../../src/workshop/metadata.ts';
import { repoRoot } from '../helpers/run.ts';
import { applySolution, workshopCommand, workshopCopy } from '../helpers/workshop.ts';

/**
 * The fix checks of the debugme programs, and of the exercises that ask for a fix, enforce what
 * each README demands: a fix that games the rule (the jobs one after the other, a lock dropped
 * or giving up, a cheaper hash, a bigger pool, a cache that forgets) fails with the reason, and a sound fix other than the one in solutions/ passes. Each
 * case starts from the program as it came or as solved, with the answers of solutions/ over the
 * learner's own snapshot, and edits the code as a learner might. Run alone: the checks run the
 * programs under load, and time matters to some.
 */
const exercises = loadExercises(repoRoot);
let copy: string;
beforeAll(() => {
  copy = workshopCopy();
});
afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** A change to a file: each [from, to] replaced once, and every `from` must be there. */
type Edit = readonly [file: string, from: string, to: string];

interface Case {
  name: string;
  /** The starting point: the program as it came, or with its solution. */
  from: 'original' | 'solution';
  edits: readonly Edit[];
  /** "Done", or the start of the reason the check gives. */
  verdict: 'done' | RegExp;
}

const REMEMBERED = '    customers.set(id, { id, name: `Customer number ${id}`, email: `customer.${id}@example.com`, lastVisit: round });\n  }\n}';

const REQUEST_THEN_HASH = "  await slowNetworkRequest(service.url);\n  stepDone('slowNetworkRequest');\n  cpuIntensiveTask();\n  stepDone('cpuIntensiveTask');";

const cases: Record<string, Case[]> = {
  '05-wall-vs-cpu': [
    { name: 'the solution: the request sent, then the hashing while it is away', from: 'solution', edits: [], verdict: 'done' },
    {
      name: 'sound: the request and the hashing awaited together, the hashing a turn later',
      from: 'original',
      edits: [
        [
          'main.ts',
          REQUEST_THEN_HASH,
          "  await Promise.all([slowNetworkRequest(service.url), new Promise((resolve) => setImmediate(resolve)).then(() => cpuIntensiveTask())]);\n  stepDone('slowNetworkRequest');",
        ],
      ],
      verdict: 'done',
    },
    {
      name: 'wrong: the request started before the hashing, but sent only after it',
      from: 'original',
      edits: [
        [
          'main.ts',
          REQUEST_THEN_HASH,
          "  const reply = slowNetworkRequest(service.url);\n  cpuIntensiveTask();\n  stepDone('cpuIntensiveTask');\n  await reply;\n  stepDone('slowNetworkRequest');",
        ],
      ],
      verdict: /^in the wall profile the check took of your main\.ts only \d+% of the hashing ran while the request was away/,
    },
    {
      name: 'gamed: the hashing cut to 1 ms',
      from: 'original',
      edits: [['main.ts', 'const until = performance.now() + 30;', 'const until = performance.now() + 1;']],
      verdict: /^in the wall profile the check took of your main\.ts cpuIntensiveTask runs \d+% as long as slowNetworkRequest waits/,
    },
    {
      name: 'gamed: the request dropped from the loop',
      from: 'original',
      edits: [['main.ts', "  await slowNetworkRequest(service.url);\n  stepDone('slowNetworkRequest');", "  stepDone('slowNetworkRequest');"]],
      verdict: /^the wall profile the check took of your main\.ts has no slowNetworkRequest/,
    },
  ],
  '07-heap-profile': [
    { name: 'the solution: the cache keeps the 20,000 customers seen last', from: 'solution', edits: [], verdict: 'done' },
    {
      name: 'sound: a cap of 10,000 customers, the oldest added evicted first',
      from: 'original',
      edits: [['main.ts', REMEMBERED, `${REMEMBERED.slice(0, -2)}  while (customers.size > 10_000) customers.delete(customers.keys().next().value!);\n}`]],
      verdict: 'done',
    },
    {
      name: 'gamed: new customers not remembered at all',
      from: 'original',
      edits: [['main.ts', REMEMBERED, '    void id;\n  }\n}']],
      verdict: /^only [\d.]+% of the 97,500 returning visits found their customer in the cache when the check ran main\.ts \(the README wants 90% at least\)/,
    },
    {
      name: 'gamed: the cache emptied every round',
      from: 'original',
      edits: [
        [
          'main.ts',
          'function rememberCustomers(customers: Map<number, Customer>, round: number): void {\n',
          'function rememberCustomers(customers: Map<number, Customer>, round: number): void {\n  customers.clear();\n',
        ],
      ],
      verdict: /^only [\d.]+% of the 97,500 returning visits found their customer in the cache/,
    },
    {
      name: 'gamed: a cap of 2,500 customers, too few for those who come back',
      from: 'original',
      edits: [['main.ts', REMEMBERED, `${REMEMBERED.slice(0, -2)}  while (customers.size > 2_500) customers.delete(customers.keys().next().value!);\n}`]],
      verdict: /^only [\d.]+% of the 97,500 returning visits found their customer in the cache/,
    },
    {
      name: 'gamed: smaller customers, the cache still unbounded',
      from: 'original',
      edits: [
        [
          'main.ts',
          'customers.set(id, { id, name: `Customer number ${id}`, email: `customer.${id}@example.com`, lastVisit: round });',
          'customers.set(id, { id, lastVisit: round } as Customer);',
        ],
      ],
      verdict: /^the cache still holds 100,000 of the 100,000 customers the service saw: bound it/,
    },
  ],
  deadlock: [
    { name: "the solution: the refunds take the locks in the payments' order", from: 'solution', edits: [], verdict: 'done' },
    {
      name: 'sound: each refund takes one lock at a time, never both',
      from: 'original',
      edits: [
        [
          'main.ts',
          "    await markInvoice(invoicesHold, invoice, 'refunded');\n    const ledgerHold = await ledgerLock.acquire();",
          "    await markInvoice(invoicesHold, invoice, 'refunded');\n    invoicesHold.release();\n    const ledgerHold = await ledgerLock.acquire();",
        ],
        ['main.ts', '    ledgerHold.release();\n    invoicesHold.release();\n    done.refunds++;', '    ledgerHold.release();\n    done.refunds++;'],
      ],
      verdict: 'done',
    },
    {
      name: 'gamed: the jobs one after the other',
      from: 'original',
      edits: [['main.ts', 'await Promise.all([postPayments(), issueRefunds()]);', 'await postPayments();\nawait issueRefunds();']],
      verdict: /^the settlement finished, but its jobs ran one after the other: every payment was posted before the first refund/,
    },
    {
      name: "gamed: issueRefunds drops the invoices' lock and marks the invoice under the ledger's",
      from: 'original',
      edits: [
        [
          'main.ts',
          "    const invoicesHold = await invoicesLock.acquire();\n    await markInvoice(invoicesHold, invoice, 'refunded');\n    const ledgerHold = await ledgerLock.acquire();",
          "    const ledgerHold = await ledgerLock.acquire();\n    await markInvoice(ledgerHold, invoice, 'refunded');",
        ],
        ['main.ts', '    ledgerHold.release();\n    invoicesHold.release();\n    done.refunds++;', '    ledgerHold.release();\n    done.refunds++;'],
      ],
      verdict:
        /^the books refused a change when the check ran main\.ts: invoice \d+ marked refunded was made with a Hold of the ledger lock: a change to the invoices needs the invoices lock/,
    },
    {
      name: 'gamed: the refunds give up waiting for the ledger after 100 ms',
      from: 'original',
      edits: [
        [
          'main.ts',
          '    const ledgerHold = await ledgerLock.acquire();\n    await addLedgerEntry(ledgerHold, invoice, -invoice.amount);\n    ledgerHold.release();',
          '    const ledgerHold = await Promise.race([ledgerLock.acquire(), sleep(100).then(() => undefined)]);\n    await addLedgerEntry(ledgerHold, invoice, -invoice.amount);\n    ledgerHold?.release();',
        ],
      ],
      verdict:
        /^the books refused a change when the check ran main\.ts: the ledger entry of -\d+ for invoice \d+ was made without a Hold: a change to the ledger needs the ledger lock/,
    },
    {
      name: "gamed: books.ts's lock gives up waiting after 100 ms",
      from: 'original',
      edits: [
        [
          'books.ts',
          'const turn = new Promise<Hold>((resolve) => this.#line.push(resolve));',
          'const turn = Promise.race([new Promise<Hold>((resolve) => this.#line.push(resolve)), sleep(100).then(() => new Hold(this))]);',
        ],
      ],
      verdict: /^books\.ts's Mutex gave a second job the lock while the first still held it/,
    },
  ],
  'slow-endpoint': [
    { name: 'the solution: scrypt off the event loop', from: 'solution', edits: [], verdict: 'done' },
    {
      name: "gamed: scrypt's cost cut 2,000 times (N = 2^4)",
      from: 'original',
      edits: [['main.ts', 'const SCRYPT_COST = { N: 2 ** 15,', 'const SCRYPT_COST = { N: 2 ** 4,']],
      verdict: /^the key the service stores for card-1000 is not the one scrypt derives from the member's password at the service's cost/,
    },
  ],
  'body-leak': [
    { name: 'the solution: every response read to its end', from: 'solution', edits: [], verdict: 'done' },
    {
      name: 'sound: the unread response destroyed, its connection closed',
      from: 'original',
      edits: [
        [
          'main.ts',
          '    if (response.statusCode === 404) return callback(null, FLAT_RATE_PER_KG);',
          '    if (response.statusCode !== 200) response.destroy();\n    if (response.statusCode === 404) return callback(null, FLAT_RATE_PER_KG);',
        ],
      ],
      verdict: 'done',
    },
    {
      name: 'gamed: a pool of a hundred connections',
      from: 'original',
      edits: [['main.ts', 'maxSockets: 4 })', 'maxSockets: 100 })']],
      verdict: /^the carrier saw up to \d+ connections from the shop at once, and its terms allow four/,
    },
  ],
  'async-leak': [
    { name: 'the solution: the deadline aborts the request', from: 'solution', edits: [], verdict: 'done' },
    {
      name: 'sound: the race kept, the request aborted when the deadline wins',
      from: 'original',
      edits: [
        [
          'main.ts',
          "  const reply = fetch(`${inventory}/stock/lookup`, { method: 'POST', body: JSON.stringify({ skus }) });\n  const response = await Promise.race([reply, deadline(LOOKUP_DEADLINE_MS)]);\n  if (!response) return undefined;",
          "  const controller = new AbortController();\n  const reply = fetch(`${inventory}/stock/lookup`, { method: 'POST', body: JSON.stringify({ skus }), signal: controller.signal }).catch(() => undefined);\n  const response = await Promise.race([reply, deadline(LOOKUP_DEADLINE_MS)]);\n  if (!response) {\n    controller.abort();\n    return undefined;\n  }",
        ],
      ],
      verdict: 'done',
    },
    {
      name: 'gamed: no deadline, each lookup awaited to its end',
      from: 'original',
      edits: [['main.ts', 'const response = await Promise.race([reply, deadline(LOOKUP_DEADLINE_MS)]);', 'const response = await reply;']],
      verdict: /^main\.ts profile answered \d+ lookups in 3 s when the check ran it, where the README wants 10 at least/,
    },
  ],
};

describe.each(Object.keys(cases))('%s', (id) => {
  const exercise = exercises.find((candidate) => candidate.id === id)!;
  const folder = () => join(copy, exercise.folder);
  const starting = new Map<string, string>();

  beforeAll(() => {
    // The learner's own snapshot of the program as it came, and the answers read from it.
    for (const args of exercise.runs) expect(workshopCommand(copy, 'exercise', [id, ...args]).status).toBe(0);
    for (const file of ['main.ts', 'books.ts']) {
      try {
        starting.set(file, readFileSync(join(folder(), file), 'utf8'));
      } catch {
        // Not every program has a books.ts.
      }
    }
  }, 120_000);

  it.each(cases[id]!.map((testCase) => [testCase.name, testCase] as const))(
    '%s',
    (_name, testCase) => {
      for (const [file, text] of starting) writeFileSync(join(folder(), file), text);
      applySolution(copy, id, exercise.folder);
      if (testCase.from === 'original') writeFileSync(join(folder(), 'main.ts'), starting.get('main.ts')!);
      for (const [file, from, to] of testCase.edits) {
        const path = join(folder(), file);
        const text = readFileSync(path, 'utf8');
        expect(text, `${file} should hold ${JSON.stringify(from)}`).toContain(from);
        writeFileSync(path, text.replace(from, to));
      }
      const result = workshopCommand(copy, 'check', [id]);
      if (testCase.verdict === 'done') {
        expect(result.stdout, result.stderr).toContain(`Done: ${id}.`);
        return;
      }
      const reason = /^Not done yet: (.*)$/m.exec(result.stdout)?.[1];
      expect(reason, result.stdout + result.stderr).toMatch(testCase.verdict);
    },
    180_000,
  );
});

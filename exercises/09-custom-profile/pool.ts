/**
 * A pool of database connections, as services keep one: a fixed number of connections, handed
 * out by acquire() and given back by release(). A caller that never gives one back leaves the
 * pool smaller for everyone, until acquire() waits forever. The pool remembers, for every
 * connection checked out, the stack that took it: what a profile of this resource is made of.
 */
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** One frame of the stack that acquired a connection, innermost first. */
export interface StackFrame {
  name: string;
  file: string;
  line: number;
}

export interface Connection {
  readonly id: number;
  query(sql: string): Promise<string[]>;
}

export interface CheckedOut {
  connection: Connection;
  /** The stack of the acquire() call, innermost (the caller of acquire) first. */
  stack: StackFrame[];
  /** When it was checked out, from performance.now(). */
  since: number;
}

/**
 * The stack of whoever called `below`, as frames: V8's call sites, their positions mapped back
 * to the TypeScript lines through the source maps Node keeps (the code V8 runs is compiled).
 */
function callerStack(below: Function): StackFrame[] {
  const { prepareStackTrace, stackTraceLimit } = Error;
  Error.stackTraceLimit = 32;
  Error.prepareStackTrace = (_error, sites) => sites;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  Error.captureStackTrace(holder, below);
  const sites = holder.stack ?? [];
  Error.prepareStackTrace = prepareStackTrace;
  Error.stackTraceLimit = stackTraceLimit;
  return sites.map((site) => {
    const file = site.getFileName() ?? '';
    const mapped = file ? findSourceMap(file)?.findEntry((site.getLineNumber() ?? 1) - 1, (site.getColumnNumber() ?? 1) - 1) : undefined;
    const originalLine = (mapped as { originalLine?: number } | undefined)?.originalLine;
    const line = originalLine !== undefined ? originalLine + 1 : (site.getLineNumber() ?? 0);
    return { name: site.getFunctionName() ?? '(anonymous)', file: file.startsWith('file:') ? fileURLToPath(file) : file, line };
  });
}

export class ConnectionPool {
  readonly size: number;
  readonly #idle: Connection[] = [];
  readonly #checkedOut = new Map<Connection, CheckedOut>();
  readonly #waiting: ((connection: Connection) => void)[] = [];

  constructor(size: number) {
    this.size = size;
    for (let id = 1; id <= size; id++) this.#idle.push({ id, query: (sql) => fakeQuery(sql) });
  }

  /** A connection, now or as soon as one is released; rejects after `timeoutMs` without one. */
  acquire(timeoutMs = 1_000): Promise<Connection> {
    const stack = callerStack(this.acquire);
    const handOut = (connection: Connection) => {
      this.#checkedOut.set(connection, { connection, stack, since: performance.now() });
      return connection;
    };
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(handOut(idle));
    return new Promise((resolve, reject) => {
      const waiter = (connection: Connection) => {
        clearTimeout(timer);
        resolve(handOut(connection));
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(new Error(`pool exhausted: no connection free within ${timeoutMs} ms (${this.#checkedOut.size} of ${this.size} checked out)`));
      }, timeoutMs);
      this.#waiting.push(waiter);
    });
  }

  release(connection: Connection): void {
    if (!this.#checkedOut.delete(connection)) throw new Error(`connection ${connection.id} released twice`);
    const waiter = this.#waiting.shift();
    if (waiter) waiter(connection);
    else this.#idle.push(connection);
  }

  /** The connections checked out now, each with the stack that took it. */
  checkedOut(): CheckedOut[] {
    return [...this.#checkedOut.values()];
  }
}

/** A query answered after a few milliseconds, as a database on the same machine would. */
async function fakeQuery(sql: string): Promise<string[]> {
  await new Promise((resolve) => setTimeout(resolve, 1 + (sql.length % 4)));
  return [`rows for ${sql}`];
}

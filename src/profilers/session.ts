import { Session } from 'node:inspector';

/**
 * One inspector session per thread, shared by the profilers. On the thread it inspects, a
 * session answers synchronously, so profiles can be started and collected anywhere, including
 * in process 'exit' handlers, where nothing asynchronous runs any more.
 */
let session: Session | undefined;

export function post<T = unknown>(method: string, params?: object): T {
  if (!session) {
    session = new Session();
    session.connect();
  }
  let settled = false;
  let failure: Error | null = null;
  let result: unknown;
  session.post(method, params ?? {}, (error, response) => {
    settled = true;
    failure = error;
    result = response;
  });
  if (!settled) throw new Error(`the inspector did not answer ${method} synchronously`);
  if (failure) throw new Error(`${method} failed: ${(failure as Error).message}`);
  return result as T;
}

/**
 * Process-wide flags for what is running. Kept on globalThis so that two copies of this module
 * (a preload and the program importing it by another path) agree on what is in use.
 */
interface InUse {
  cpu?: string;
  heapSampling?: string;
}
const inUseKey = Symbol.for('node-profiling-workshop.in-use');
export const inUse: InUse = ((globalThis as Record<symbol, InUse>)[inUseKey] ??= {});

import { patch, subscribeChannel } from './patch.ts';
import { NOT_SAMPLED, OperationsByObject, begin, isAbort, stackBelow, type Caller } from './wrap.ts';

/** What undici's channels say about a request: the fields we describe it by. */
interface UndiciRequest {
  method?: string;
  origin?: unknown;
  path?: string;
}

const requests = new OperationsByObject();

/** The stack of the program's fetch() call under way, if any: undici creates its request inside it. */
let fetchCaller: Caller | typeof NOT_SAMPLED | undefined;

/**
 * fetch (and undici's own API) through undici's diagnostics channels, from the request's
 * creation to its response headers (when fetch's promise resolves; reading the body is the
 * reader's wait) or its error. Described as `fetch GET http://127.0.0.1:8080/slow`.
 *
 * Node 20's bundled undici publishes `undici:request:create` synchronously inside fetch(),
 * under some thirty frames of its own. The stack is captured as the program calls the global
 * fetch, by a thin wrapper, and taken by the request fetch creates; a capture in the channel
 * would walk undici's frames too, at several times the cost. A request from undici's own
 * package is captured in the channel, whole. A request undici makes later by itself (a
 * redirect) has no user frame and is not tracked.
 */
export function installFetch(): void {
  patch(globalThis, 'fetch', (original) =>
    function trackedFetch(this: unknown, ...args: unknown[]) {
      const outer = fetchCaller;
      fetchCaller = stackBelow(trackedFetch);
      try {
        return original.apply(this, args);
      } finally {
        fetchCaller = outer;
      }
    },
  );
  subscribeChannel('undici:request:create', ({ request }: { request: UndiciRequest }) => {
    const caller = fetchCaller;
    // One request per call: any later one (a redirect) is undici's own.
    fetchCaller = undefined;
    if (caller === NOT_SAMPLED) return;
    const describe = () => `fetch ${request.method} ${String(request.origin)}${request.path}`;
    const operation = caller ? begin('fetch', describe, { caller }) : begin('fetch', describe, { apiModules: ['node:'] });
    if (operation) requests.set(request, operation);
  });
  subscribeChannel('undici:request:headers', ({ request }: { request: object }) => requests.finish(request, 'completed'));
  subscribeChannel('undici:request:error', ({ request, error }: { request: object; error: unknown }) =>
    requests.finish(request, isAbort(error) ? 'cancelled' : 'failed'),
  );
}

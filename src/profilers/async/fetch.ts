import { subscribeChannel } from './patch.ts';
import { OperationsByObject, begin, isAbort } from './wrap.ts';

/** What undici's channels say about a request: the fields we describe it by. */
interface UndiciRequest {
  method?: string;
  origin?: unknown;
  path?: string;
}

const requests = new OperationsByObject();

/**
 * fetch (and undici's own API) through undici's diagnostics channels, from the request's
 * creation to its response headers (when fetch's promise resolves; reading the body is the
 * reader's wait) or its error. Described as `fetch GET http://127.0.0.1:8080/slow`.
 *
 * Node 20's bundled undici publishes `undici:request:create` synchronously inside fetch(),
 * under some thirty frames of its own, so the caller's stack is there: any Node frames may
 * come before it. A request undici makes later by itself (a redirect) has no user frame and
 * is not tracked.
 */
export function installFetch(): void {
  const { fetch } = globalThis;
  subscribeChannel('undici:request:create', ({ request }: { request: UndiciRequest }) => {
    const operation = begin('fetch', () => `fetch ${request.method} ${String(request.origin)}${request.path}`, { apiModules: ['node:'], entry: fetch });
    if (operation) requests.set(request, operation);
  });
  subscribeChannel('undici:request:headers', ({ request }: { request: object }) => requests.finish(request, 'completed'));
  subscribeChannel('undici:request:error', ({ request, error }: { request: object; error: unknown }) =>
    requests.finish(request, isAbort(error) ? 'cancelled' : 'failed'),
  );
}

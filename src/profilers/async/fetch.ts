import { patch, subscribeChannel } from './patch.ts';
import { trackerInstalled } from './registry.ts';
import { NOT_SAMPLED, OperationsByObject, begin, callThrough, end, isAbort, settle, stackBelow, type Caller } from './wrap.ts';
import type { AsyncOperation } from './registry.ts';

/** What undici's channels say about a request: the fields we describe it by. */
interface UndiciRequest {
  method?: string;
  origin?: unknown;
  path?: string;
}

/** Requests of undici's own API, which end at their response headers. */
const requests = new OperationsByObject();

/** The program's fetch() call under way, if any: undici creates its request inside it. */
interface FetchCall {
  readonly caller: Caller | typeof NOT_SAMPLED | undefined;
  /** `fetch GET http://...`, once undici has created the request. */
  description?: string;
  operation?: AsyncOperation;
}
let fetchCall: FetchCall | undefined;

/** The responses of the program's fetches, described by their request, until their body is read. */
const responses = new WeakMap<object, string>();

/** What reads a response's body whole; a read of `response.body` itself is not followed. */
const BODY_READS = ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'] as const;

/**
 * fetch: from the request's creation until the code awaiting fetch's promise resumes (past
 * undici's work on the response headers), or its error. Described as
 * `fetch GET http://127.0.0.1:8080/slow`. Then reading the response's body (`text()`, `json()`
 * and the like) is a wait of its own, on the stack that reads it, until the code awaiting the
 * read resumes: `fetch GET http://127.0.0.1:8080/slow (body)`. The program's own timing of a
 * request covers both, and the work undici does for them runs on Node's stacks alone, where a
 * wall profile could not tell it is the request's: ended at the headers, a request step of the
 * canonical loop read up to 8 points low on a busy machine.
 *
 * Node 20's bundled undici publishes `undici:request:create` synchronously inside fetch(),
 * under some thirty frames of its own. The stack is captured as the program calls the global
 * fetch, by a thin wrapper, and taken by the request fetch creates; a capture in the channel
 * would walk undici's frames too, at several times the cost. A request from undici's own
 * package is captured in the channel, whole, and ends at its response headers. A request undici
 * makes later by itself (a redirect) has no user frame and is not tracked: the fetch's own wait
 * covers it.
 */
export function installFetch(): void {
  patch(
    globalThis,
    'fetch',
    (original) =>
      function trackedFetch(this: unknown, ...args: unknown[]) {
        if (!trackerInstalled()) return original.apply(this, args);
        const outer = fetchCall;
        const call: FetchCall = { caller: stackBelow(trackedFetch) };
        fetchCall = call;
        let response: Promise<unknown>;
        try {
          response = original.apply(this, args);
        } finally {
          fetchCall = outer;
        }
        // A fetch whose stack is not the program's (its request, if any, is captured in the
        // channel) or that made no request.
        if (call.description === undefined) return response;
        return followResponse(response, call);
      },
  );
  subscribeChannel('undici:request:create', ({ request }: { request: UndiciRequest }) => {
    const call = fetchCall;
    // One request per call: any later one (a redirect) is undici's own.
    fetchCall = undefined;
    const describe = () => `fetch ${request.method} ${String(request.origin)}${request.path}`;
    if (call?.caller !== undefined) {
      call.description = describe();
      if (call.caller !== NOT_SAMPLED) call.operation = begin('fetch', () => call.description!, { caller: call.caller });
      return;
    }
    const operation = begin('fetch', describe, { apiModules: ['node:'] });
    if (operation) requests.set(request, operation);
  });
  subscribeChannel('undici:request:headers', ({ request }: { request: object }) => requests.finish(request, 'completed'));
  subscribeChannel('undici:request:error', ({ request, error }: { request: object; error: unknown }) =>
    requests.finish(request, isAbort(error) ? 'cancelled' : 'failed'),
  );
  const responsePrototype = (globalThis as { Response?: { prototype: object } }).Response?.prototype;
  if (!responsePrototype) return;
  for (const read of BODY_READS) {
    patch(
      responsePrototype,
      read,
      (original) =>
        function trackedBodyRead(this: unknown, ...args: unknown[]) {
          const description = typeof this === 'object' && this !== null ? responses.get(this) : undefined;
          if (description === undefined) return original.apply(this, args);
          // A body is read once.
          responses.delete(this as object);
          const operation = begin('fetch', () => `${description} (body)`);
          if (!operation) return original.apply(this, args);
          return settle(callThrough(operation, original, this, args) as PromiseLike<unknown>, operation);
        },
    );
  }
}

/**
 * fetch's promise, delivered after its wait has ended (as settle does), the response remembered
 * so that reading its body is a wait too. Every fetch of the program's is remembered, recorded
 * or not (sampling, see sampling.ts): its body read is sampled on its own.
 */
function followResponse(response: Promise<unknown>, call: FetchCall): Promise<unknown> {
  return response.then(
    (value) => {
      end(call.operation, 'completed');
      if (typeof value === 'object' && value !== null) responses.set(value, call.description!);
      return value;
    },
    (error: unknown) => {
      end(call.operation, isAbort(error) ? 'cancelled' : 'failed');
      throw error;
    },
  );
}

import type { ClientRequest } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { patch, subscribeChannel } from './patch.ts';
import { OperationsByObject, begin } from './wrap.ts';

const requests = new OperationsByObject();

/**
 * http and https client requests, from request()/get() to the response's headers, an error,
 * or the request closing first (destroyed); the time to read the body is the reader's.
 * Described as `http GET http://127.0.0.1:8080/path`.
 *
 * Node publishes `http.client.request.start` only on the next tick, once the request is
 * flushed, with none of the caller's frames on the stack: the start is hooked by wrapping
 * request and get instead. The ends come from the channels, which Node publishes before the
 * program's 'response' and 'error' listeners run (a 'response' listener of ours would keep
 * Node from discarding a response nobody reads, an 'error' one would swallow errors).
 */
export function installHttp(): void {
  for (const module of [http, https]) {
    for (const name of ['request', 'get']) {
      patch(
        module,
        name,
        (original) =>
          function trackedRequest(this: unknown, ...args: unknown[]) {
            const startTime = performance.now();
            const request: ClientRequest = original.apply(this, args);
            const operation = begin('http', () => `http ${request.method} ${url(request)}`, { startTime });
            if (operation) {
              requests.set(request, operation);
              request.prependOnceListener('close', () => requests.finish(request, 'cancelled'));
            }
            return request;
          },
      );
    }
  }
  subscribeChannel('http.client.response.finish', ({ request }: { request: object }) => requests.finish(request, 'completed'));
  subscribeChannel('http.client.request.error', ({ request }: { request: object }) => requests.finish(request, 'failed'));
}

/** The URL a request goes to; the Host header carries the port when there is one. */
function url(request: ClientRequest): string {
  const host = request.getHeader('host') ?? request.host;
  return `${request.protocol}//${String(host)}${request.path}`;
}

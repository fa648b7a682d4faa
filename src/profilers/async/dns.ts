import dns from 'node:dns';
import { patch } from './patch.ts';
import { trackCallback, trackPromise } from './wrap.ts';

/** The queries: lookup (getaddrinfo), lookupService, resolve and resolve* (c-ares), reverse. */
const QUERIES = /^(?:lookup|lookupService|resolve\w*|reverse)$/;

/** dns and dns.promises queries, described as `dns.lookup example.com`. */
export function installDns(): void {
  for (const [target, track] of [
    [dns, trackCallback],
    [dns.promises, trackPromise],
  ] as const) {
    for (const name of Object.keys(target)) {
      if (QUERIES.test(name))
        patch(
          target,
          name,
          track('dns', (args) => `dns.${name} ${String(args[0])}`),
        );
    }
  }
}

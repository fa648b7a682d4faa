import net from 'node:net';
import tls from 'node:tls';
import { patch, type Callable } from './patch.ts';
import { begin, callThrough, end } from './wrap.ts';

/**
 * net.connect (also named createConnection) until the socket connects, and tls.connect until
 * the TLS handshake is done; or until the socket closes first, failed or destroyed.
 * Described as `net.connect 127.0.0.1:8080` (or the IPC path).
 */
export function installNet(): void {
  for (const name of ['connect', 'createConnection']) patch(net, name, trackConnect('net', 'connect'));
  patch(tls, 'connect', trackConnect('tls', 'secureConnect'));
}

function trackConnect(kind: 'net' | 'tls', connectedEvent: string): (original: Callable) => Callable {
  return (original) =>
    function trackedConnect(this: unknown, ...args: unknown[]) {
      const operation = begin(kind, () => `${kind}.connect ${endpoint(args)}`);
      if (!operation) return original.apply(this, args);
      const socket: net.Socket = callThrough(operation, original, this, args);
      // Prepended, to end before the program's own listeners run. No 'error' listener: one
      // would turn an error nobody handles into one handled, and 'close' follows errors anyway.
      const connected = () => {
        socket.removeListener('close', closed);
        end(operation, 'completed');
      };
      const closed = (hadError: boolean) => {
        socket.removeListener(connectedEvent, connected);
        end(operation, hadError ? 'failed' : 'cancelled');
      };
      socket.prependOnceListener(connectedEvent, connected);
      socket.prependOnceListener('close', closed);
      return socket;
    };
}

/** Where a connect goes, from its arguments: (options), (port, host) or (path). */
function endpoint(args: unknown[]): string {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null) {
    const options = first as { path?: unknown; host?: unknown; port?: unknown };
    return options.path !== undefined ? String(options.path) : `${String(options.host ?? 'localhost')}:${String(options.port)}`;
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return `${typeof second === 'string' ? second : 'localhost'}:${first}`;
  }
  return String(first);
}

import diagnosticsChannel from 'node:diagnostics_channel';
import { onUninstall } from './registry.ts';

// Node's APIs take and return anything; wrappers pass it all through untouched.
// biome-ignore lint/suspicious/noExplicitAny: any function of Node's, whatever it takes and gives
export type Callable = (this: any, ...args: any[]) => any;

/**
 * One wrapper per original: a function reachable under two names (globalThis.setTimeout and
 * timers.setTimeout, net.connect and net.createConnection) stays one function, and installing
 * again gives the same wrappers.
 */
const wrappers = new WeakMap<Callable, Callable>();

/**
 * Replaces the function at `target[key]` with `wrap(original)` until the tracker is
 * uninstalled, which puts the original property back exactly (its descriptor). A property that
 * is not a function here (an API this Node lacks) is left alone. Unless the program replaced
 * our wrapper in the meantime: then its replacement stays, and our wrapper, still called by
 * it, passes calls straight through once the tracker is off (see begin in wrap.ts).
 */
export function patch(target: object, key: string | symbol, wrap: (original: Callable) => Callable): void {
  const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
  const original: unknown = Reflect.get(target, key);
  if (typeof original !== 'function') return;
  let wrapper = wrappers.get(original as Callable);
  if (!wrapper) {
    wrapper = wrap(original as Callable);
    copyOwnProperties(original, wrapper);
    wrappers.set(original as Callable, wrapper);
  }
  Reflect.defineProperty(target, key, { value: wrapper, writable: true, configurable: true, enumerable: descriptor?.enumerable ?? false });
  const installed = wrapper;
  onUninstall(() => {
    if (Reflect.getOwnPropertyDescriptor(target, key)?.value !== installed) return;
    if (descriptor) Reflect.defineProperty(target, key, descriptor);
    else Reflect.deleteProperty(target, key);
  });
}

/** Subscribes to a diagnostics channel until the tracker is uninstalled. */
export function subscribeChannel(name: string, onMessage: (message: never) => void): void {
  const listener = onMessage as (message: unknown) => void;
  diagnosticsChannel.subscribe(name, listener);
  onUninstall(() => diagnosticsChannel.unsubscribe(name, listener));
}

/**
 * The wrapper keeps what Node hangs on the original: name and length, and the symbols
 * util.promisify reads (setTimeout's and exec's promisify.custom, dns.lookup's and fs.read's
 * names for their results), so promisify(wrapped) behaves as promisify(original).
 */
function copyOwnProperties(from: object, to: object): void {
  for (const key of Reflect.ownKeys(from)) {
    if (key === 'prototype') continue;
    Reflect.defineProperty(to, key, Reflect.getOwnPropertyDescriptor(from, key)!);
  }
}

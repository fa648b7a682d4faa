import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { patch } from './patch.ts';
import { trackCallback, trackPromise } from './wrap.ts';

/** The common ones: what programs wait on, not every corner of fs. */
const CALLBACK_APIS = [
  'access',
  'appendFile',
  'close',
  'copyFile',
  'fstat',
  'lstat',
  'mkdir',
  'open',
  'read',
  'readdir',
  'readFile',
  'realpath',
  'rename',
  'rm',
  'stat',
  'unlink',
  'write',
  'writeFile',
];
const PROMISE_APIS = [
  'access',
  'appendFile',
  'copyFile',
  'lstat',
  'mkdir',
  'open',
  'readdir',
  'readFile',
  'realpath',
  'rename',
  'rm',
  'stat',
  'unlink',
  'writeFile',
];

/**
 * fs callback and promise APIs, described as `fs.readFile /path` in both forms (the stack
 * tells them apart). The callback form ends before its callback runs, the promise form when
 * its promise settles (see wrap.ts).
 */
export function installFs(): void {
  for (const name of CALLBACK_APIS)
    patch(
      fs,
      name,
      trackCallback('fs', (args) => `fs.${name} ${target(args[0])}`),
    );
  for (const name of PROMISE_APIS)
    patch(
      fs.promises,
      name,
      trackPromise('fs', (args) => `fs.${name} ${target(args[0])}`),
    );
}

/** What an fs call works on: a path (string, Buffer or file: URL) or a descriptor (number or FileHandle). */
function target(value: unknown): string {
  if (typeof value === 'number') return `fd ${value}`;
  if (value instanceof URL) return value.protocol === 'file:' ? fileURLToPath(value) : value.href;
  const fd = (value as { fd?: unknown } | null)?.fd;
  if (typeof fd === 'number') return `fd ${fd}`;
  return String(value);
}

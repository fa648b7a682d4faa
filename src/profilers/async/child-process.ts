import { ChildProcess } from 'node:child_process';
import { patch } from './patch.ts';
import { begin, callThrough, end } from './wrap.ts';

/** exec, execFile, spawn, fork and their promisified forms all reach ChildProcess#spawn through these. */
const API_MODULES = ['node:child_process', 'node:internal/child_process'];

/** What ChildProcess#spawn receives, after Node has normalised the arguments. */
interface SpawnOptions {
  file?: string;
  args?: string[];
  shell?: unknown;
}

/**
 * Child processes, from the spawn to their exit; a process that could not start ends at its
 * 'close' instead (it never exits). Hooked on ChildProcess.prototype.spawn, where every
 * asynchronous way of starting one ends up, including promisify(exec), whose promisify.custom
 * holds on to the original exec. Described as `exec ls -la` for shell commands and
 * `spawn ls -la` otherwise.
 */
export function installChildProcess(): void {
  patch(
    ChildProcess.prototype,
    'spawn',
    (original) =>
      function trackedSpawn(this: ChildProcess, options: SpawnOptions) {
        const operation = begin('child_process', () => command(options), { apiModules: API_MODULES });
        if (!operation) return original.call(this, options);
        // Prepended, to end before the program's listeners run; no 'error' listener (see net.ts).
        const exited = () => {
          this.removeListener('close', closed);
          end(operation, 'completed');
        };
        const closed = () => {
          this.removeListener('exit', exited);
          end(operation, 'failed');
        };
        this.prependOnceListener('exit', exited);
        this.prependOnceListener('close', closed);
        return callThrough(operation, original, this, [options]);
      },
  );
}

function command(options: SpawnOptions): string {
  const args = options.args ?? [];
  // With a shell, Node runs [shell, '-c', command]: the command is the last argument.
  if (options.shell) return `exec ${args.at(-1) ?? ''}`;
  return `spawn ${[options.file, ...args.slice(1)].join(' ')}`;
}

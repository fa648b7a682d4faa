/**
 * Ends a profiled program on exit, and on SIGINT, SIGTERM and SIGHUP as Node would without the
 * profiler (the process ends by the signal), but with its profile written first: also while
 * the program is busy in synchronous code, where no JavaScript signal handler can run. A
 * worker thread (signal-worker.mjs) watches the signals and has the main thread run the stop
 * hook between two statements. Handlers on the main thread do the same whenever the event loop
 * turns, for a signal that came before the worker watched, or where it cannot start.
 *
 * A program that handles a signal itself decides when to end, as without the profiler; the
 * profile is then written on 'exit'.
 */
import { Worker } from 'node:worker_threads';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof SIGNALS)[number];

/** Where the worker finds the hook on the main thread: a registered symbol, hidden from the program. */
const HOOK = 'node-profiling-workshop.stop-on-end';

/**
 * What the hook tells the worker: end the process by the signal; leave it to the program; or
 * wait, `stop` is running (on exit), and the hook interrupted it: ending the process now would
 * lose what it writes.
 */
type Verdict = 'terminate' | 'program' | 'stopping';

/**
 * Runs `stop` (which must not throw) once, at the first end: the process exiting, or a stop
 * signal the program does not handle itself, after which the process ends by that signal.
 * Resolves once the worker watches the signals (or could not start): code that runs after
 * that can be stopped even if it never lets the event loop turn. A signal that came before
 * reaches only the main thread's handlers, which run when the event loop next turns.
 */
export function stopOnEnd(stop: () => void): Promise<void> {
  let state: 'running' | 'stopping' | 'stopped' = 'running';
  const stopOnce = () => {
    if (state !== 'running') return;
    state = 'stopping';
    try {
      stop();
    } finally {
      state = 'stopped';
    }
  };
  process.on('exit', stopOnce);
  const listeners = new Map<StopSignal, () => void>();
  const programListens = (signal: StopSignal) => process.listenerCount(signal) > (listeners.has(signal) ? 1 : 0);

  const hook = (signal: StopSignal): Verdict => {
    if (state === 'stopping') return 'stopping';
    // Stopped already: this signal ends the process, as it would have without the profiler.
    if (state === 'stopped') return 'terminate';
    if (programListens(signal)) return 'program';
    stopOnce();
    for (const [name, listener] of listeners) process.removeListener(name, listener);
    listeners.clear();
    return 'terminate';
  };
  Object.defineProperty(globalThis, Symbol.for(HOOK), { value: hook });

  for (const signal of SIGNALS) {
    // The worker may have missed this signal (it starts beside the program), or seen it too: the
    // hook runs the stop once either way, and a signal raised again while the worker watches
    // reaches the worker, which ends the process by it.
    const listener = () => {
      if (hook(signal) === 'terminate') process.kill(process.pid, signal);
    };
    listeners.set(signal, listener);
    process.on(signal, listener);
  }

  return new Promise<void>((resolve) => {
    const mainThreadOnly = (reason: string) => {
      process.stderr.write(`profile: signals are handled on the main thread only (the program cannot be stopped while it runs synchronous code): ${reason}\n`);
      resolve();
    };
    try {
      const worker = new Worker(new URL('./signal-worker.mjs', import.meta.url), {
        workerData: { signals: SIGNALS, hook: HOOK },
        // Only what it needs: no loader to run, and the internal signal handle to reach.
        execArgv: ['--expose-internals'],
        stdout: true,
        stderr: true,
      });
      // Watching: from now on it must neither keep the program alive nor outlive it. Until
      // then it is what the caller waits for, so it holds the process open.
      worker.once('message', () => {
        worker.unref();
        resolve();
      });
      worker.on('error', (error) => mainThreadOnly(error.message));
      worker.once('exit', () => resolve());
    } catch (error) {
      mainThreadOnly((error as Error).message);
    }
  });
}

/**
 * How the commands that npm runs stop: however the stop comes, nothing is left running.
 *
 * npm runs each script as its own child (package.json execs it, so no shell sits between), and
 * passes SIGINT and SIGTERM on to it; a terminal sends SIGINT (Ctrl-C) and SIGHUP (closed) to
 * the whole process group; `kill PID`, process managers and IDE stop buttons signal one process,
 * any of them; and npm itself ends at once on SIGHUP, leaving its child behind. So a command
 * that runs a program passes every stop signal on, waits for the program to end, and then
 * ends the way it did; and a command whose parent has gone stops as if it had been hung up on.
 */
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** How often to look whether the parent is still there: a stop that late is still prompt. */
const PARENT_POLL_MS = 250;

/**
 * A terminal's Ctrl-C reaches this process twice, from the terminal and again from npm: one
 * copy is passed on. Ctrl-C pressed again later is passed on again.
 */
const SAME_SIGNAL_MS = 300;

/**
 * Calls `onGone` once if this process's parent ends (npm killed, a closed terminal's shell):
 * the process is then reparented, and nobody is left to stop it or to read what it prints.
 */
export function whenParentGone(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_POLL_MS);
  timer.unref();
}

/**
 * Passes SIGINT, SIGTERM and SIGHUP on to `child` until it ends, and SIGHUP when this process's
 * parent goes away; this process waits for the child, whose end says how to end.
 */
export function relayStopSignals(child: ChildProcess): void {
  const lastSent = new Map<StopSignal, number>();
  const relay = (signal: StopSignal) => {
    const now = performance.now();
    if (now - (lastSent.get(signal) ?? -Infinity) < SAME_SIGNAL_MS) return;
    lastSent.set(signal, now);
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => relay(signal));
  whenParentGone(() => relay('SIGHUP'));
}

/**
 * Ends this process as a program that ended by `signal` (or with `code`) does, so whoever waits
 * on it (npm, a shell, a process manager) learns what happened: a shell stops its loop on Ctrl-C
 * only when the command it ran ended by SIGINT.
 */
export function exitLike(code: number, signal?: NodeJS.Signals | null): never {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  // A signal whose default is not to end the process (none of ours) still ends it, with its code.
  process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : code);
}

/**
 * Piped into head, the reader may leave before the output is done, or the terminal may close:
 * that ends the output and the command, quietly and with its own status, not in a crash.
 */
export function endWhenOutputCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'EIO') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

/** Writes to stderr, which a closed terminal may have taken away: then there is no one to tell. */
export function tell(text: string): void {
  // A write to a terminal that has gone fails later, as an 'error' event: not a crash either.
  if (!process.stderr.listeners('error').includes(ignore)) process.stderr.on('error', ignore);
  try {
    process.stderr.write(text);
  } catch {
    // Nobody reads it.
  }
}

const ignore = () => {};

/**
 * The worker thread of stop-on-end.ts, in the profiled program. JavaScript signal handlers
 * run on the main thread's event loop, which a synchronous loop (`while (true) {}`) never lets
 * turn: the program would ignore SIGINT and SIGTERM, and its profile would never be written.
 * This thread watches the signals itself, with a libuv signal handle on its own loop, and on
 * each one asks the main thread, through an inspector session connected to it, to run the stop
 * hook. The inspector reaches a busy main thread between two JavaScript statements, the way a
 * debugger pauses a spinning page; the hook takes and writes the profile there and says
 * whether the process should end. Then this thread lets the signal do what it would have done.
 *
 * Plain JavaScript, started with no loader: it must not compile anything on its way up.
 */
import { writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ signals: NodeJS.Signals[], hook: string }} */
const { signals, hook } = workerData;

/**
 * Node gives workers no signal events, but libuv delivers a signal to every handle watching
 * it, on any thread's loop. The handle class is internal: `--expose-internals`, given to this
 * worker alone, reaches it on every Node version (process.binding lost it in Node 24).
 */
function signalHandleClass() {
  const require = createRequire(import.meta.url);
  const emitWarning = process.emitWarning;
  // The module warns that it is internal, once, on the program's stderr: we know.
  process.emitWarning = () => {};
  try {
    return require('internal/test/binding').internalBinding('signal_wrap').Signal;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * Connected only when a signal comes: a session left connected makes Node print "Waiting for
 * the debugger to disconnect..." as the program exits.
 */
let session;
function mainThreadSession() {
  if (!session) {
    session = new Session();
    session.connectToMainThread();
  }
  return session;
}

const Signal = signalHandleClass();
const handles = signals.map((name) => {
  const handle = new Signal();
  handle.onsignal = () => onSignal(name);
  const error = handle.start(constants.signals[name]);
  if (error) throw new Error(`cannot watch ${name} (libuv error ${error})`);
  return handle;
});
// The program's first line waits for this: a signal that came earlier would reach only the
// main thread's handlers, which a program spinning from its start never lets run.
parentPort.postMessage('watching');

/** Questions to the main thread not yet answered: the session stays while there are any. */
let unanswered = 0;

/** @param {NodeJS.Signals} name */
function onSignal(name) {
  const expression = `globalThis[Symbol.for(${JSON.stringify(hook)})](${JSON.stringify(name)})`;
  const asked = mainThreadSession();
  unanswered++;
  asked.post('Runtime.evaluate', { expression, returnByValue: true }, (error, result) => {
    unanswered--;
    // 'program': the program handles this signal itself and decides when to end, as without us.
    // 'stopping': the process is exiting, and writing the profile, which this signal interrupted.
    if (!error && !result.exceptionDetails && ['program', 'stopping'].includes(result.result.value)) {
      if (unanswered === 0 && session === asked) {
        asked.disconnect();
        session = undefined;
      }
      return;
    }
    if (error || result.exceptionDetails) {
      const reason = error?.message ?? result.exceptionDetails?.exception?.description ?? result.exceptionDetails?.text;
      try {
        writeSync(2, `profile: the profile could not be taken on ${name}: ${reason}\n`);
      } catch {
        // No stderr left (a closed terminal): the parent says that no profile was written.
      }
    }
    // Without a handle left watching it, the signal takes its default course: the process ends
    // by it, as it would have without the profiler, and whoever waits on it sees which signal.
    for (const handle of handles) handle.close();
    process.kill(process.pid, name);
  });
}

/**
 * The async-operation tracker: what the program is waiting on right now, and where it
 * started waiting. The wall-clock profiler charges these waits to their stacks; the
 * /debug/pprof `async` endpoint lists them, as Go's `goroutine` profile lists goroutines.
 *
 * What is in flight now:
 *
 *   import { installAsyncTracker, asyncOperationsInFlight } from './async-tracker.ts';
 *   installAsyncTracker();
 *   ...
 *   for (const op of asyncOperationsInFlight()) console.log(op.kind, op.description, op.ageMs, op.stack[0]);
 *
 * Every wait of a window (what a profiler needs):
 *
 *   const atStart = asyncOperationsInFlight();
 *   const unsubscribe = subscribeAsyncOperations({
 *     onEnd(op, endTime, outcome) { charge(op, Math.max(op.startTime, windowStart), endTime); },
 *   });
 *   ...
 *   unsubscribe();
 *   for (const op of asyncOperationsInFlight()) charge(op, Math.max(op.startTime, windowStart), windowEnd);
 *
 * A wait the tracker cannot see, marked by hand: `await trackWait(worker.reply(), 'worker reply')`.
 *
 * Sources: fetch and undici (their diagnostics channels; a fetch's whole-body read too), http/https requests, timers
 * (setTimeout, setInterval, timers/promises), fs (callbacks and promises), dns, net and tls
 * connects, child processes, events.once, and trackWait. Each operation's stack is captured
 * once, when it starts (its cost: async/sampling.ts; async_hooks promise
 * tracking, 3x to 500x on promise-heavy code, is not used; while a wall profile runs, a busy
 * program's operations are sampled to a budget, see async/sampling.ts), with V8's async
 * frames, so `outer` awaiting `middle` awaiting a fetch shows as fetch <- middle <- outer. Only operations user code starts count:
 * those Node starts for itself inside another (undici's timers inside fetch) would count one
 * wait twice. Nothing finished is kept: memory grows with what is in flight, not with time.
 * The tracker never throws into the program.
 */
export { asyncTrackerInstalled, installAsyncTracker, uninstallAsyncTracker } from './async/install.ts';
export {
  asyncOperationsInFlight,
  subscribeAsyncOperations,
  type AsyncOperation,
  type AsyncOperationKind,
  type AsyncOperationListener,
  type AsyncOperationOutcome,
  type InFlightOperation,
} from './async/registry.ts';
export { trackWait } from './async/wrap.ts';

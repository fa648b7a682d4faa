/**
 * Profilers for Node.js that write standard pprof, shaped like Go's runtime/pprof.
 *
 * CPU, around some code:
 *
 *   import { startCPUProfile, stopCPUProfile, writeProfile } from '#profiler';
 *   startCPUProfile({ hz: 100 });
 *   work();
 *   writeProfile('cpu.pb.gz', stopCPUProfile());
 *
 * Wall-clock, around some code: time on the CPU and time awaiting (fetch, timers, fs, dns...),
 * each wait on the stack of the code that awaits it, labelled state=running|waiting:
 *
 *   startWallProfile();
 *   await handleRequests();
 *   writeProfile('wall.pb.gz', stopWallProfile());
 *
 * What the heap holds, and where it was allocated (start early, write when you wonder):
 *
 *   startHeapProfiling();
 *   ...
 *   writeProfile('heap.pb.gz', heapProfile({ gc: true }));
 *
 * What a window of code allocates, including garbage collected since:
 *
 *   startAllocationProfile();
 *   work();
 *   writeProfile('allocs.pb.gz', stopAllocationProfile());
 *
 * What is in flight now, each async operation on the stack that started it, as Go's goroutine
 * profile lists goroutines (a leak of requests or timers, jobs stuck on a lock):
 *
 *   installAsyncTracker();
 *   ...
 *   writeProfile('async.pb.gz', asyncProfile());
 *
 * Labels, to cut a profile by what the code was doing it for (`-tagfocus=route=/report`):
 *
 *   app.get('/report', (req, res) => withLabels({ route: '/report' }, () => report(req, res)));
 *
 * A live server's profiles over HTTP, as Go's net/http/pprof serves them, come from their own
 * entry, `#profiler/http` (src/http/index.ts), so that this one loads no express:
 *
 *   app.use('/debug/pprof', debugPprof());
 *
 * Read any of them with `npm run pprof -- -top cpu.pb.gz` or `go tool pprof -top cpu.pb.gz`.
 * A whole program, start to exit, without changing it: `npm run profile -- --cpu script.ts`.
 */
export { startCPUProfile, stopCPUProfile, type CpuProfileOptions } from './cpu.ts';
export { MAX_HZ } from './v8-sampler.ts';
export {
  heapProfile,
  startAllocationProfile,
  startHeapProfiling,
  stopAllocationProfile,
  stopHeapProfiling,
  type HeapSamplingOptions,
} from './heap.ts';
export { DEFAULT_WALL_HZ, startWallProfile, stopWallProfile, type WallProfileOptions } from './wall.ts';
export { currentLabels, withLabels, type Labels } from './labels.ts';
export { convertNodeProfile } from './convert.ts';
export {
  asyncOperationsInFlight,
  asyncTrackerInstalled,
  installAsyncTracker,
  subscribeAsyncOperations,
  trackWait,
  uninstallAsyncTracker,
  type AsyncOperation,
  type AsyncOperationKind,
  type AsyncOperationListener,
  type AsyncOperationOutcome,
  type InFlightOperation,
} from './async-tracker.ts';
export { asyncProfile } from './async-profile.ts';
export { DEFAULT_HEAP_INTERVAL_BYTES } from './v8-heap-profile.ts';
export { decodeProfile, encodeProfile, writeProfile } from '../pprof/index.ts';

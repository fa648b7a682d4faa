/**
 * A live server's profiles over HTTP, as Go's net/http/pprof serves them, for express (loopback
 * only by default):
 *
 *   import { debugPprof } from '#profiler/http';
 *   app.use('/debug/pprof', debugPprof());
 *
 * Its own entry, apart from `#profiler`, so that a program that only profiles itself does not
 * load express.
 */
export { debugFgprof, debugPprof, type DebugPprofOptions } from './debug-pprof.ts';

/**
 * Loaded into the program that `npm run profile` runs (node --import). It starts the profiler
 * before the program's first line and writes the profile on every way out: a normal end,
 * process.exit(), an uncaught error, and SIGINT/SIGTERM/SIGHUP, also in the middle of synchronous
 * code (stop-on-end.ts). It never throws into the program: a failure to write is reported
 * on stderr and left for the parent to notice.
 */
import { isMainThread } from 'node:worker_threads';
import type { Profile } from '../pprof/index.ts';
import { writeFileAtomic } from '../pprof/index.ts';
import { foldedStacks } from '../report/folded.ts';
import {
  heapProfile,
  startAllocationProfile,
  startCPUProfile,
  startHeapProfiling,
  startWallProfile,
  stopAllocationProfile,
  stopCPUProfile,
  stopWallProfile,
  writeProfile,
} from '../profilers/index.ts';
import { excludeFromProfiles } from '../profilers/tool-frames.ts';
import { PROFILE_REQUEST_ENV, type ProfileRequest } from './profile-request.ts';
import { stopOnEnd } from './stop-on-end.ts';

const raw = process.env[PROFILE_REQUEST_ENV];
// Children the program forks inherit our --import flags but not this variable: they run unprofiled.
delete process.env[PROFILE_REQUEST_ENV];

// The preload and what it sets up to stop the profile are the tools' work, not the program's.
excludeFromProfiles(import.meta.url);
excludeFromProfiles(new URL('./stop-on-end.ts', import.meta.url));

if (raw && isMainThread) {
  const request = JSON.parse(raw) as ProfileRequest;
  const start = {
    cpu: () => {
      startCPUProfile({ hz: request.hz });
      return stopCPUProfile;
    },
    wall: () => {
      startWallProfile({ hz: request.hz });
      return stopWallProfile;
    },
    heap: () => {
      startHeapProfiling({ intervalBytes: request.intervalBytes });
      // At exit, what the program still holds is what matters, not garbage not yet collected.
      return () => heapProfile({ gc: true });
    },
    allocs: () => {
      startAllocationProfile({ intervalBytes: request.intervalBytes });
      return stopAllocationProfile;
    },
  }[request.kind];

  /** Set once the profiler runs: a stop before that (a signal while starting) has nothing to write. */
  let collect: (() => Profile) | undefined;
  const finish = () => {
    if (!collect) return;
    try {
      const profile = collect();
      if (request.format === 'folded') writeFileAtomic(request.output, Buffer.from(foldedStacks(profile)));
      else writeProfile(request.output, profile);
    } catch (error) {
      process.stderr.write(`profile: could not write ${request.output}: ${(error as Error).message}\n`);
    }
  };
  // The program's first line waits until signals are watched off the main thread, so that a
  // program spinning from its start can still be stopped; the profiler starts after the wait,
  // which is the tool's own and would otherwise fill a wall profile's window.
  await stopOnEnd(finish);
  collect = start();
}

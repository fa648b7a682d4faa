import type { Profile } from '../pprof/index.ts';
import { ProfileBuilder } from '../pprof/index.ts';
import { asyncOperationsInFlight, type InFlightOperation } from './async/registry.ts';
import { waitingStack } from './wall.ts';

/**
 * The async operations in flight as a pprof profile, as /debug/pprof/async serves it and as Go's
 * `pprof.Lookup("goroutine").WriteTo` writes goroutines: one sample per operation (ops/count),
 * its wait as the leaf (`(wait) fetch GET http://...`) under the stack that started it, labelled
 * with its kind. For a program that writes its own snapshot, say from a watchdog that sees no
 * progress: `writeProfile('async.pb.gz', asyncProfile())`. Only operations started after the
 * tracker was installed are in it.
 */
export function asyncProfile(operations: readonly InFlightOperation[] = asyncOperationsInFlight()): Profile {
  const builder = new ProfileBuilder({ sampleTypes: [{ type: 'ops', unit: 'count' }], mappingFile: process.argv[1], timeNanos: Date.now() * 1e6 });
  // An operation recorded while a wall profile sampled stands for others like it that were not.
  for (const operation of operations)
    builder.addSample(waitingStack(operation.description, operation.stack), [Math.round(operation.weight)], { kind: operation.kind });
  return builder.build();
}

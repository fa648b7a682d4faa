/**
 * A profile of the connections checked out of the pool, by the stack that took them: one
 * sample type (connections/count), one sample of value 1 per connection, stacks innermost first.
 * Connections taken by the same stack fold into one sample.
 */
import { ProfileBuilder, type Profile } from '#pprof';
import type { ConnectionPool } from './pool.ts';

export function connectionsProfile(pool: ConnectionPool): Profile {
  const builder = new ProfileBuilder({ sampleTypes: [{ type: 'connections', unit: 'count' }] });
  for (const { stack } of pool.checkedOut()) builder.addSample(stack, [1]);
  return builder.build();
}

/**
 * YOUR PART: a profile of the connections checked out of the pool, by the stack that took them.
 *
 * pprof is not only for time and memory: any countable resource can be profiled. Build one with
 * the workshop's ProfileBuilder (see src/pprof/builder.ts):
 *
 *   - one sample type: connections, counted (type "connections", unit "count");
 *   - one sample per connection checked out, with value 1 and the stack that acquired it
 *     (`pool.checkedOut()` gives each connection's stack, innermost frame first, which is the
 *     order addSample takes);
 *   - connections acquired by the same stack fold into one sample: the builder does that.
 *
 * Then `npm run pprof -- -top exercises/09-custom-profile/connections.pb.gz` reads it like any
 * other profile.
 */
import { ProfileBuilder, type Profile } from '#pprof';
import type { ConnectionPool } from './pool.ts';

export function connectionsProfile(pool: ConnectionPool): Profile {
  const builder = new ProfileBuilder({ sampleTypes: [{ type: 'connections', unit: 'count' }] });
  void pool; // Add a sample per connection checked out here.
  return builder.build();
}

import events from 'node:events';
import { patch } from './patch.ts';
import { trackPromise } from './wrap.ts';

/** events.once until the event comes (or its signal aborts), described as `events.once ready`. */
export function installEvents(): void {
  patch(
    events,
    'once',
    trackPromise('event', (args) => `events.once ${String(args[1])}`),
  );
}

import { systemScheduler, type Scheduler } from '@mdg/model';

/**
 * Time as the connection machinery sees it: the shared Scheduler port (a monotonic "now", so a
 * wall clock jumping under NTP cannot fake a stale stream, and cancellable timers). Injected so
 * unit specs step time by hand; the socket specs use the system one with short durations.
 */
export type VenueTimers = Scheduler;

export const systemVenueTimers: VenueTimers = systemScheduler;

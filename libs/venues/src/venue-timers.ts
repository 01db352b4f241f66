/**
 * Time as the connection machinery sees it: a monotonic "now" for ages and silences (a wall
 * clock jumping under NTP must not fake a stale stream) and cancellable timers. Injected so
 * unit specs can step time by hand; the socket specs use the system one with short durations.
 */
export interface VenueTimers {
  /** Monotonic milliseconds; only differences are meaningful. */
  now(): number;
  /** Calls `callback` once after `ms`; the returned function cancels it. */
  after(ms: number, callback: () => void): () => void;
  /** Calls `callback` every `ms` until the returned function is called. */
  every(ms: number, callback: () => void): () => void;
}

export const systemVenueTimers: VenueTimers = {
  now: () => performance.now(),
  after(ms, callback) {
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  },
  every(ms, callback) {
    const handle = setInterval(callback, ms);
    return () => clearInterval(handle);
  },
};

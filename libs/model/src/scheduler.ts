/**
 * Time as timer-driven code sees it: a monotonic "now" for ages, deadlines and silences (a wall
 * clock jumping under NTP must not fake an expired lease or a stale stream) and cancellable
 * timers. Injected so specs step time by hand (ManualScheduler) instead of sleeping.
 */
export interface Scheduler {
  /** Monotonic milliseconds; only differences are meaningful. */
  now(): number;
  /** Calls `callback` once after `ms`; the returned function cancels it (a no-op once it ran). */
  after(ms: number, callback: () => void): () => void;
  /** Calls `callback` every `ms` until the returned function is called. */
  every(ms: number, callback: () => void): () => void;
}

/** The real one: performance.now, setTimeout, setInterval. */
export const systemScheduler: Scheduler = {
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

/** Repeating timer, injected so tests can step a feed tick by tick instead of sleeping. */
export interface IntervalTimer {
  /** Calls `tick` every `intervalMs` until the returned cancel function is called. */
  every(intervalMs: number, tick: () => void): () => void;
}

/** The real one: setInterval / clearInterval. */
export const systemIntervalTimer: IntervalTimer = {
  every(intervalMs, tick) {
    const handle = setInterval(tick, intervalMs);
    return () => clearInterval(handle);
  },
};

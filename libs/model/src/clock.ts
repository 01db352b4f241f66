/** Time source injected into everything that needs "now" (engines stay pure and testable). */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests, replays and benchmarks. */
export class ManualClock implements Clock {
  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  set(timeMs: number): void {
    this.current = timeMs;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

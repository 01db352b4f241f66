import type { IntervalTimer } from './interval-timer';

/** An IntervalTimer that fires only when `tick()` is called; pair it with ManualClock in tests. */
export class ManualIntervalTimer implements IntervalTimer {
  private readonly callbacks = new Set<() => void>();

  every(_intervalMs: number, tick: () => void): () => void {
    // Wrap so registering the same function twice still yields two independent timers.
    const callback = (): void => tick();
    this.callbacks.add(callback);
    return () => {
      this.callbacks.delete(callback);
    };
  }

  /** Fires every active timer once. */
  tick(): void {
    for (const callback of [...this.callbacks]) callback();
  }

  /** Timers registered and not cancelled; 0 proves a stopped feed released its timer. */
  activeCount(): number {
    return this.callbacks.size;
  }
}

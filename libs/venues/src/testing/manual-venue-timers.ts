import type { VenueTimers } from '../venue-timers';

interface Scheduled {
  at: number;
  every: number | undefined;
  callback: () => void;
  cancelled: boolean;
}

/** VenueTimers that only move when `advance()` is called: unit specs of the limiter and backoff. */
export class ManualVenueTimers implements VenueTimers {
  private current = 0;
  private readonly scheduled: Scheduled[] = [];

  now(): number {
    return this.current;
  }

  after(ms: number, callback: () => void): () => void {
    return this.add({ at: this.current + ms, every: undefined, callback, cancelled: false });
  }

  every(ms: number, callback: () => void): () => void {
    return this.add({ at: this.current + ms, every: ms, callback, cancelled: false });
  }

  /** Moves time forward, firing due callbacks in time order (each at its own due time). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.scheduled.filter((entry) => !entry.cancelled && entry.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.current = due.at;
      if (due.every === undefined) due.cancelled = true;
      else due.at += due.every;
      due.callback();
    }
    this.current = target;
  }

  /** Timers not yet fired or cancelled. */
  pendingCount(): number {
    return this.scheduled.filter((entry) => !entry.cancelled).length;
  }

  private add(entry: Scheduled): () => void {
    this.scheduled.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }
}

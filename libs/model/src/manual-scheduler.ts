import type { Clock } from './clock';
import type { Scheduler } from './scheduler';

interface Scheduled {
  at: number;
  /** Insertion order: timers due at the same time fire in the order they were set, like Node's. */
  order: number;
  every: number | undefined;
  callback: () => void;
  cancelled: boolean;
}

/** Lets promise callbacks queued so far run (the microtask queue drains before the next macrotask). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A Scheduler (and Clock) whose time only moves when told to. `advance` is for synchronous
 * code; `advanceAsync` is for code that awaits between timers (a lease renewal that awaits a
 * call, then sets its next timer): after each callback it lets the resulting promise
 * callbacks run before time moves on, so the next timer is in place when its time comes.
 * Only in-process promises settle that way; anything waiting on real I/O does not.
 */
export class ManualScheduler implements Scheduler, Clock {
  private readonly scheduled: Scheduled[] = [];
  private nextOrder = 0;

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  after(ms: number, callback: () => void): () => void {
    return this.add(Math.max(0, ms), undefined, callback);
  }

  every(ms: number, callback: () => void): () => void {
    return this.add(Math.max(1, ms), Math.max(1, ms), callback);
  }

  /** Moves time forward by `ms`, firing due callbacks in time order, each at its own due time. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let due = this.nextDue(target); due !== undefined; due = this.nextDue(target)) this.fire(due);
    this.current = target;
  }

  /**
   * Like `advance`, but lets promise callbacks settle first, after every callback and at the
   * end: `await advanceAsync(0)` runs what is due now and whatever async work it triggers.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (let due = this.nextDue(target); due !== undefined; due = this.nextDue(target)) {
      this.fire(due);
      await settle();
    }
    this.current = target;
    await settle();
  }

  /** Timers not yet fired or cancelled (0 proves a stopped component released its timers). */
  pendingCount(): number {
    return this.scheduled.filter((entry) => !entry.cancelled).length;
  }

  private nextDue(target: number): Scheduled | undefined {
    let next: Scheduled | undefined;
    for (const entry of this.scheduled) {
      if (entry.cancelled || entry.at > target) continue;
      if (next === undefined || entry.at < next.at || (entry.at === next.at && entry.order < next.order)) next = entry;
    }
    return next;
  }

  private fire(entry: Scheduled): void {
    this.current = Math.max(this.current, entry.at);
    if (entry.every === undefined) entry.cancelled = true;
    else {
      entry.at += entry.every;
      entry.order = this.nextOrder++;
    }
    // Fired entries leave the list (it would grow without bound in long simulations).
    if (entry.cancelled) this.scheduled.splice(this.scheduled.indexOf(entry), 1);
    entry.callback();
  }

  private add(at: number, every: number | undefined, callback: () => void): () => void {
    const entry: Scheduled = { at: this.current + at, order: this.nextOrder++, every, callback, cancelled: false };
    this.scheduled.push(entry);
    return () => {
      if (entry.cancelled) return;
      entry.cancelled = true;
      const index = this.scheduled.indexOf(entry);
      if (index >= 0) this.scheduled.splice(index, 1);
    };
  }
}

import type { IntervalTimer } from '@mdg/feeds';

/**
 * When a consumer next looks for entries orphaned by dead consumers: at start, then once per
 * tick of the injected timer (every `intervalMs` with the system timer; when a test says so
 * with ManualIntervalTimer). A round that failed stays due, so the next cycle tries again.
 * What counts as orphaned is decided by Redis's own idle times (XAUTOCLAIM min-idle-time),
 * so no client clock enters the decision.
 */
export class ClaimSchedule {
  private due = true;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly timer: IntervalTimer,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.cancel ??= this.timer.every(this.intervalMs, () => {
      this.due = true;
    });
  }

  isDue(): boolean {
    return this.due;
  }

  /** A round finished: the next one waits for the next tick. */
  ran(): void {
    this.due = false;
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}

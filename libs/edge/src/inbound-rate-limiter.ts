/**
 * Per-connection inbound message budget: `perSecond` messages in any one-second window
 * (a fixed window per second keeps it O(1) and allocation-free). Past the budget the
 * caller answers with an error; after `strikesToClose` consecutive over-budget seconds, or
 * three budgets' worth within one second, it should close the connection.
 */
export class InboundRateLimiter {
  private windowStart = 0;
  private count = 0;
  private strikes = 0;
  private struckThisWindow = false;

  constructor(
    private readonly perSecond: number,
    private readonly strikesToClose: number,
  ) {}

  /** 'ok' within budget; 'limited' over it; 'close' when over budget for too long. */
  take(nowMs: number): 'ok' | 'limited' | 'close' {
    const window = Math.floor(nowMs / 1000);
    if (window !== this.windowStart) {
      if (!this.struckThisWindow || window !== this.windowStart + 1) this.strikes = 0;
      this.windowStart = window;
      this.count = 0;
      this.struckThisWindow = false;
    }
    this.count += 1;
    if (this.count <= this.perSecond) return 'ok';
    // A flood (several budgets in one second) closes at once.
    if (this.count > this.perSecond * 3) return 'close';
    if (!this.struckThisWindow) {
      this.struckThisWindow = true;
      this.strikes += 1;
    }
    return this.strikes >= this.strikesToClose ? 'close' : 'limited';
  }
}

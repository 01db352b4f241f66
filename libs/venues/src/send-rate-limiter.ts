import { InvalidConfigError } from '@mdg/model';
import type { VenueTimers } from './venue-timers';

export interface SendRateLimit {
  /** At most this many messages ... */
  maxMessages: number;
  /** ... in any window of this length. */
  perMs: number;
  /**
   * Added to the window so messages that network or scheduling jitter delivers closer
   * together than we sent them still fit the venue's count. Default 150 ms.
   */
  marginMs?: number;
}

interface Pending {
  send: () => void;
  isLive: () => boolean;
}

/**
 * Paces outgoing control messages (subscribes) under a venue's inbound limit: a sliding
 * window, so no window of `perMs` ever holds more than `maxMessages`, whatever the burst.
 * Messages go out in request order; one whose connection died meanwhile is dropped unsent.
 */
export class SendRateLimiter {
  private readonly sentAt: number[] = [];
  private readonly queue: Pending[] = [];
  private cancelWake: (() => void) | undefined;
  private readonly windowMs: number;
  private disposed = false;

  constructor(
    private readonly limit: SendRateLimit,
    private readonly timers: VenueTimers,
  ) {
    const problems = SendRateLimiter.validate(limit);
    if (problems.length > 0) throw new InvalidConfigError(problems);
    this.windowMs = limit.perMs + (limit.marginMs ?? 150);
  }

  static validate(limit: SendRateLimit): string[] {
    const problems: string[] = [];
    if (!Number.isInteger(limit.maxMessages) || limit.maxMessages < 1)
      problems.push(`rateLimit.maxMessages must be a positive integer, got ${limit.maxMessages}`);
    if (!Number.isFinite(limit.perMs) || limit.perMs < 1) problems.push(`rateLimit.perMs must be >= 1, got ${limit.perMs}`);
    if (limit.marginMs !== undefined && (!Number.isFinite(limit.marginMs) || limit.marginMs < 0))
      problems.push(`rateLimit.marginMs must be >= 0, got ${limit.marginMs}`);
    return problems;
  }

  /** Queues `send`; it runs as soon as the window allows, unless `isLive()` is false by then. */
  schedule(send: () => void, isLive: () => boolean): void {
    if (this.disposed) return;
    this.queue.push({ send, isLive });
    this.drain();
  }

  pending(): number {
    return this.queue.length;
  }

  dispose(): void {
    this.disposed = true;
    this.queue.length = 0;
    this.cancelWake?.();
    this.cancelWake = undefined;
  }

  private drain(): void {
    if (this.cancelWake || this.disposed) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (!head.isLive()) {
        this.queue.shift();
        continue;
      }
      const now = this.timers.now();
      while (this.sentAt.length > 0 && this.sentAt[0]! <= now - this.windowMs) this.sentAt.shift();
      if (this.sentAt.length >= this.limit.maxMessages) {
        const wait = this.sentAt[0]! + this.windowMs - now;
        this.cancelWake = this.timers.after(Math.max(1, Math.ceil(wait)), () => {
          this.cancelWake = undefined;
          this.drain();
        });
        return;
      }
      this.queue.shift();
      this.sentAt.push(now);
      head.send();
    }
  }
}

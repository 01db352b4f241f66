import type { MarketUpdate, Trade } from '@mdg/model';

interface Arrival {
  trade: Trade;
  order: number;
}

/**
 * Brute-force rolling ticker for tests, from the raw trades and the engine's documented
 * definition (minute resolution): the head minute is the latest of every clock reading and
 * trade minute seen; the window is the head minute and the slotCount-1 minutes before it;
 * a trade older than the window when it arrives is late and never counts.
 */
export class ReferenceTicker {
  private readonly accepted: Arrival[] = [];
  private head = Number.NEGATIVE_INFINITY;
  private order = 0;

  constructor(
    private readonly symbol: string,
    private readonly slotCount = 1440,
    private readonly slotMs = 60_000,
  ) {}

  /** Returns whether the trade counted (false: late). */
  add(trade: Trade, nowMs: number): boolean {
    const minute = Math.floor(trade.time / this.slotMs);
    this.head = Math.max(this.head, Math.floor(nowMs / this.slotMs), minute);
    if (minute <= this.head - this.slotCount) return false;
    this.accepted.push({ trade, order: this.order++ });
    return true;
  }

  snapshot(nowMs: number): MarketUpdate | undefined {
    if (this.accepted.length === 0) return undefined;
    this.head = Math.max(this.head, Math.floor(nowMs / this.slotMs));
    const windowStart = this.head - this.slotCount + 1;
    const byTime = [...this.accepted].sort((a, b) => a.trade.time - b.trade.time || a.order - b.order);
    const minuteOf = (arrival: Arrival) => Math.floor(arrival.trade.time / this.slotMs);
    const inWindow = byTime.filter((arrival) => minuteOf(arrival) >= windowStart);
    const before = byTime.filter((arrival) => minuteOf(arrival) < windowStart);
    const last = byTime[byTime.length - 1]!.trade;
    const reference = before.length > 0 ? before[before.length - 1]!.trade.price : inWindow.length > 0 ? inWindow[0]!.trade.price : last.price;
    const change = last.price - reference;
    return {
      symbol: this.symbol,
      price: last.price,
      volume: inWindow.reduce((sum, arrival) => sum + arrival.trade.price * arrival.trade.size, 0),
      timestamp: Math.floor(last.time / 1000),
      change,
      changePercent: (change / reference) * 100,
    };
  }
}

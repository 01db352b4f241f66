import { notionalUsd, type Candle, type InstrumentRegistry, type Trade } from '@mdg/model';

interface Arrival {
  trade: Trade;
  nowMs: number;
  order: number;
}

/**
 * Brute-force candles for tests: keeps every trade with the clock time it arrived at and
 * recomputes a bucket from scratch by filtering and sorting. Deliberately simple and slow,
 * so it can be trusted by reading it.
 *
 * Same definition as the engine: a trade counts for a timeframe when it arrived before its
 * bucket's end + grace; open/close are the first/last trade by (time, arrival order).
 */
export class ReferenceCandles {
  private readonly arrivals: Arrival[] = [];

  constructor(
    private readonly registry: InstrumentRegistry,
    private readonly graceMs: number,
  ) {}

  add(trade: Trade, nowMs: number): void {
    this.arrivals.push({ trade, nowMs, order: this.arrivals.length });
  }

  /** Every bucket with at least one counted trade, ascending by start. */
  candles(instrument: string, timeframe: number): Candle[] {
    const tfMs = timeframe * 1000;
    const starts = new Set<number>();
    for (const arrival of this.counted(instrument, tfMs)) starts.add(Math.floor(arrival.trade.time / tfMs) * tfMs);
    return [...starts].sort((a, b) => a - b).map((start) => this.candle(instrument, timeframe, start)!);
  }

  /** The bucket at `start` from the trades counted so far, or undefined when it has none. */
  candle(instrument: string, timeframe: number, start: number): Candle | undefined {
    const tfMs = timeframe * 1000;
    const trades = this.counted(instrument, tfMs)
      .filter((arrival) => Math.floor(arrival.trade.time / tfMs) * tfMs === start)
      .sort((a, b) => a.trade.time - b.trade.time || a.order - b.order)
      .map((arrival) => arrival.trade);
    if (trades.length === 0) return undefined;
    const definition = this.registry.get(instrument);
    const prices = trades.map((trade) => trade.price);
    return {
      time: start,
      open: trades[0]!.price,
      high: Math.max(...prices),
      low: Math.min(...prices),
      close: trades[trades.length - 1]!.price,
      volume: trades.reduce((sum, trade) => sum + trade.size, 0),
      volumeUsd: trades.reduce((sum, trade) => sum + notionalUsd(definition, trade.price, trade.size), 0),
      trades: trades.length,
      buys: trades.filter((trade) => trade.side === 'buy').length,
      sells: trades.filter((trade) => trade.side === 'sell').length,
    };
  }

  private counted(instrument: string, tfMs: number): Arrival[] {
    return this.arrivals.filter(({ trade, nowMs }) => {
      if (trade.instrument !== instrument) return false;
      const start = Math.floor(trade.time / tfMs) * tfMs;
      return nowMs < start + tfMs + this.graceMs;
    });
  }
}

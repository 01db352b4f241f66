import { notionalUsd, TIMEFRAMES, type Candle, type InstrumentRegistry, type Trade } from '@mdg/model';

/**
 * The deliberately simple implementation a first version would have: string keys per
 * candle, every trade kept for the 24 h window and re-filtered on each collect. It is
 * the yardstick of engine-bench, not a product: memory grows with the trade count.
 */
export class NaiveMarketEngine {
  private readonly candles = new Map<string, Candle & { openTime: number; closeTime: number }>();
  private readonly recent = new Map<string, Trade[]>();
  private readonly changed = new Set<string>();

  constructor(private readonly registry: InstrumentRegistry) {}

  apply(trade: Trade): void {
    const usd = notionalUsd(this.registry.get(trade.instrument), trade.price, trade.size);
    for (const timeframe of TIMEFRAMES) {
      const start = Math.floor(trade.time / (timeframe * 1000)) * timeframe * 1000;
      const key = `${trade.instrument}|${timeframe}|${start}`;
      const candle = this.candles.get(key);
      if (candle === undefined) {
        this.candles.set(key, {
          time: start,
          open: trade.price,
          high: trade.price,
          low: trade.price,
          close: trade.price,
          volume: trade.size,
          volumeUsd: usd,
          trades: 1,
          buys: trade.side === 'buy' ? 1 : 0,
          sells: trade.side === 'sell' ? 1 : 0,
          openTime: trade.time,
          closeTime: trade.time,
        });
      } else {
        this.candles.set(key, {
          ...candle,
          open: trade.time < candle.openTime ? trade.price : candle.open,
          openTime: Math.min(candle.openTime, trade.time),
          close: trade.time >= candle.closeTime ? trade.price : candle.close,
          closeTime: Math.max(candle.closeTime, trade.time),
          high: Math.max(candle.high, trade.price),
          low: Math.min(candle.low, trade.price),
          volume: candle.volume + trade.size,
          volumeUsd: candle.volumeUsd + usd,
          trades: candle.trades + 1,
          buys: candle.buys + (trade.side === 'buy' ? 1 : 0),
          sells: candle.sells + (trade.side === 'sell' ? 1 : 0),
        });
      }
      this.changed.add(key);
    }
    if (this.registry.get(trade.instrument).kind === 'price') {
      const list = this.recent.get(trade.instrument) ?? [];
      list.push(trade);
      this.recent.set(trade.instrument, list);
    }
  }

  /** Tickers recomputed from the raw trades of the last 24 h; candle copies of what changed. */
  collect(nowMs: number): number {
    let produced = 0;
    for (const [symbol, trades] of this.recent) {
      const window = trades.filter((trade) => trade.time > nowMs - 86_400_000);
      this.recent.set(symbol, window);
      const volume = window.reduce((sum, trade) => sum + trade.price * trade.size, 0);
      if (volume >= 0) produced += 1;
    }
    for (const key of this.changed) {
      if (this.candles.get(key)) produced += 1;
    }
    this.changed.clear();
    return produced;
  }
}

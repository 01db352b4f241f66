import { MarketEngine } from '../market-engine';
import type { Candle, InstrumentRegistry, Trade } from '@mdg/model';
import { ReferenceCandles } from './reference-candles';

export interface SameCandlesOptions {
  /** Timeframes (seconds) to compare. */
  timeframes: readonly number[];
  /** Clock time every trade is applied at; the grace covers the whole test, so arrival order never drops one. */
  nowMs: number;
  /** Default 1 h. */
  graceMs?: number;
}

/**
 * The delivery check of ingest and replay tests: the final candles a MarketEngine builds from
 * the trades a consumer `applied` equal the ReferenceCandles built from the trades that were
 * `produced` — so a duplicate or a missing trade shows as a wrong volume or count. Every
 * instrument of `produced` is compared; OHLC, volumes and counts exactly, the USD notional up to
 * floating-point rounding (it is summed in arrival order).
 */
export function expectSameCandles(registry: InstrumentRegistry, applied: readonly Trade[], produced: readonly Trade[], options: SameCandlesOptions): void {
  const graceMs = options.graceMs ?? 3_600_000;
  const engine = new MarketEngine(registry, { candles: { timeframes: [...options.timeframes], graceMs } });
  for (const trade of applied) engine.applyValidated(trade, options.nowMs);
  const actual = new Map<string, Candle[]>();
  for (const update of engine.collect(options.nowMs + 2 * graceMs).candles) {
    if (!update.closed) continue;
    const key = `${update.instrument}:${update.timeframe}`;
    actual.set(key, [...(actual.get(key) ?? []), update.candle]);
  }
  const reference = new ReferenceCandles(registry, graceMs);
  for (const trade of produced) reference.add(trade, options.nowMs);
  const instruments = [...new Set(produced.map((trade) => trade.instrument))];
  expect(instruments.length).toBeGreaterThan(0);
  for (const instrument of instruments) {
    for (const timeframe of options.timeframes) {
      const expected = reference.candles(instrument, timeframe);
      const got = actual.get(`${instrument}:${timeframe}`) ?? [];
      expect({ instrument, timeframe, candles: got.map((candle) => ({ ...candle, volumeUsd: 0 })) }).toEqual({
        instrument,
        timeframe,
        candles: expected.map((candle) => ({ ...candle, volumeUsd: 0 })),
      });
      got.forEach((candle, index) => expect(candle.volumeUsd).toBeCloseTo(expected[index]!.volumeUsd, 9));
    }
  }
}

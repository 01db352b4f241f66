import { MdgError, validateTrade, type CandleUpdate, type InstrumentRegistry, type MarketUpdate, type Trade } from '@mdg/model';
import { CandleEngine, type CandleEngineOptions } from './candle-engine';
import { TickerEngine, type TickerEngineOptions } from './ticker-engine';

export interface MarketEngineOptions {
  candles?: CandleEngineOptions;
  ticker?: TickerEngineOptions;
  maxFutureSkewMs?: number;
}

export interface MarketEngineStats {
  /** Trades accepted by validation and handed to the engines. */
  processed: number;
  /** Inputs refused by validation, by error code. */
  rejected: Record<string, number>;
  tickerLate: number;
  candleLateByTimeframe: Record<number, number>;
  candlesFinalized: number;
}

export type IngestResult = { ok: true; trade: Trade } | { ok: false; error: MdgError };

export interface MarketBatch {
  prices: MarketUpdate[];
  candles: CandleUpdate[];
}

/** The core's front door: validates once, then feeds both engines. Still pure (clock as arguments). */
export class MarketEngine {
  readonly ticker: TickerEngine;
  readonly candles: CandleEngine;
  private processed = 0;
  private readonly rejected: Record<string, number> = {};

  constructor(
    private readonly registry: InstrumentRegistry,
    private readonly options: MarketEngineOptions = {},
  ) {
    this.ticker = new TickerEngine(registry, options.ticker);
    this.candles = new CandleEngine(registry, options.candles);
  }

  /** Validates untrusted input; a bad trade is counted and returned as an error, never half-applied. */
  ingest(input: unknown, nowMs: number): IngestResult {
    let trade: Trade;
    try {
      trade = validateTrade(input, this.registry, nowMs, { maxFutureSkewMs: this.options.maxFutureSkewMs });
    } catch (error) {
      if (!(error instanceof MdgError)) throw error;
      this.rejected[error.code] = (this.rejected[error.code] ?? 0) + 1;
      return { ok: false, error };
    }
    this.applyValidated(trade, nowMs);
    return { ok: true, trade };
  }

  /** For trades that already passed validateTrade (feeds validate at their own boundary). */
  applyValidated(trade: Trade, nowMs: number): void {
    this.processed += 1;
    this.ticker.apply(trade, nowMs);
    this.candles.apply(trade, nowMs);
  }

  /** Everything to publish since the last call. */
  collect(nowMs: number): MarketBatch {
    return { prices: this.ticker.collect(nowMs), candles: this.candles.collect(nowMs) };
  }

  stats(): MarketEngineStats {
    const candleStats = this.candles.stats();
    return {
      processed: this.processed,
      rejected: { ...this.rejected },
      tickerLate: this.ticker.stats().late,
      candleLateByTimeframe: candleStats.lateByTimeframe,
      candlesFinalized: candleStats.finalized,
    };
  }
}

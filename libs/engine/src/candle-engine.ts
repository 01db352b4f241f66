import { notionalUsd, TIMEFRAMES, type CandleUpdate, type Instrument, type InstrumentRegistry, type Trade } from '@mdg/model';
import { CandleSeries, type SeriesPolicy } from './candle-series';
import type { SeriesState } from './engine-state';

export interface CandleEngineOptions {
  /** Timeframes in seconds; default all 11 of PROTOCOL.md. */
  timeframes?: readonly number[];
  /**
   * How long after a bucket's end it still accepts out-of-order trades; the final candle
   * is emitted at the first collect at or after end + grace, and the next bucket's live
   * updates wait for it (the order rule, see CandleSeries). A function gives each
   * instrument its own (its feed's) grace. Default 1000 ms.
   */
  graceMs?: number | ((instrument: string) => number);
  /** Emit a flat final candle (previous close, zero volume) for quiet buckets. Default false. */
  flatCandles?: boolean;
  /** Longest quiet gap filled with flat candles; only the latest ones of a longer gap are emitted. Default 1000. */
  maxFlatGap?: number;
}

export interface CandleEngineStats {
  /** Trades applied to at least one timeframe. */
  applied: number;
  /** (trade, timeframe) pairs dropped because that bucket was already final or past its grace. */
  lateByTimeframe: Record<number, number>;
  /** Final candles emitted. */
  finalized: number;
}

/**
 * OHLCV per instrument × timeframe with event-time buckets. Pure: time only comes in as
 * arguments, so the same calls always give the same candles.
 *
 * Late-trade policy: a trade whose bucket is past end + grace (or already emitted as
 * final) is dropped for that timeframe and counted; longer timeframes whose bucket is
 * still open accept it. A published final candle never changes.
 */
export class CandleEngine {
  readonly timeframes: readonly number[];
  private readonly policy: SeriesPolicy;
  private readonly graceFor: (instrument: string) => number;
  private readonly byInstrument = new Map<string, { instrument: Instrument; series: CandleSeries[] }>();
  /** Series with open buckets (or emitting flats): the only ones collect has to visit. */
  private readonly active = new Set<CandleSeries>();
  private readonly counters: CandleEngineStats;
  /** Series changed since the last checkpoint. */
  private readonly unsaved: CandleSeries[] = [];

  constructor(
    private readonly registry: InstrumentRegistry,
    options: CandleEngineOptions = {},
  ) {
    this.timeframes = Object.freeze([...(options.timeframes ?? TIMEFRAMES)]);
    const grace = options.graceMs ?? 1000;
    this.graceFor = typeof grace === 'number' ? () => grace : grace;
    this.policy = Object.freeze({ flatCandles: options.flatCandles ?? false, maxFlatGap: options.maxFlatGap ?? 1000 });
    this.counters = { applied: 0, lateByTimeframe: Object.fromEntries(this.timeframes.map((tf) => [tf, 0])), finalized: 0 };
  }

  /** Applies a validated trade at clock time `nowMs`; returns how many timeframes accepted it. */
  apply(trade: Trade, nowMs: number): number {
    const { instrument, series } = this.entryFor(trade.instrument);
    const usd = notionalUsd(instrument, trade.price, trade.size);
    let accepted = 0;
    for (const one of series) {
      if (one.apply(trade, usd, nowMs)) {
        accepted += 1;
        // A flag instead of Set.add on every trade: this loop is the engine's hot path.
        if (!one.listed) {
          one.listed = true;
          this.active.add(one);
        }
        if (!one.unsaved) this.markUnsaved(one);
      } else {
        this.counters.lateByTimeframe[one.timeframe]! += 1;
      }
    }
    if (accepted > 0) this.counters.applied += 1;
    return accepted;
  }

  /**
   * Everything to publish since the last call: finals of buckets past their grace (once
   * each, oldest first per series) and the latest state of every changed open bucket.
   */
  collect(nowMs: number): CandleUpdate[] {
    const out: CandleUpdate[] = [];
    for (const series of this.active) {
      const before = out.length;
      this.counters.finalized += series.collect(nowMs, this.policy, out);
      if (out.length > before && !series.unsaved) this.markUnsaved(series);
      if (!series.isActive(this.policy)) {
        series.listed = false;
        this.active.delete(series);
      }
    }
    return out;
  }

  /**
   * The open buckets of one stream, oldest first; empty when nothing is open. With `nowMs`,
   * only those whose updates the order rule lets out at that time (what a snapshot may show).
   */
  openCandles(instrument: string, timeframe: number, nowMs?: number): CandleUpdate[] {
    const series = this.byInstrument.get(instrument)?.series.find((one) => one.timeframe === timeframe);
    return series ? series.openCandles(nowMs) : [];
  }

  /**
   * The state of every series changed since the previous call (incremental checkpoint), or
   * of every series with `full` (after a failed save, so nothing is missing from the store).
   */
  checkpoint(full = false): SeriesState[] {
    if (full) {
      for (const { series } of this.byInstrument.values()) for (const one of series) if (!one.unsaved) this.markUnsaved(one);
    }
    const states = this.unsaved.map((series) => {
      series.unsaved = false;
      return series.toState();
    });
    this.unsaved.length = 0;
    return states;
  }

  /** Resumes from checkpointed series (a takeover); unknown instruments are skipped and returned. */
  restore(states: readonly SeriesState[]): string[] {
    const skipped: string[] = [];
    for (const state of states) {
      const series = this.registry.find(state.instrument) ? this.entryFor(state.instrument).series.find((one) => one.timeframe === state.timeframe) : undefined;
      if (series === undefined) {
        skipped.push(`${state.instrument}:${state.timeframe}`);
        continue;
      }
      series.restore(state);
      this.relist(series);
    }
    return skipped;
  }

  /** Records that a bucket's final was already published (by a previous owner), so it is never emitted again. */
  markFinalized(instrument: string, timeframe: number, start: number, close: number): void {
    const series = this.entryFor(instrument).series.find((one) => one.timeframe === timeframe);
    if (series === undefined) return;
    series.markFinalized(start, close);
    this.relist(series);
  }

  stats(): CandleEngineStats {
    return { ...this.counters, lateByTimeframe: { ...this.counters.lateByTimeframe } };
  }

  private markUnsaved(series: CandleSeries): void {
    series.unsaved = true;
    this.unsaved.push(series);
  }

  private relist(series: CandleSeries): void {
    const active = series.isActive(this.policy);
    if (active && !series.listed) this.active.add(series);
    if (!active && series.listed) this.active.delete(series);
    series.listed = active;
  }

  private entryFor(id: string): { instrument: Instrument; series: CandleSeries[] } {
    let entry = this.byInstrument.get(id);
    if (entry === undefined) {
      const graceMs = this.graceFor(id);
      entry = { instrument: this.registry.get(id), series: this.timeframes.map((timeframe) => new CandleSeries(id, timeframe, graceMs)) };
      this.byInstrument.set(id, entry);
    }
    return entry;
  }
}

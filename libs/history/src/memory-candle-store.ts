import { CandleStoreError, type Candle } from '@mdg/model';
import { coverageOf } from './candle-links';
import type { CandleRange, CandleRangeQuery, CandleStore, PruneResult } from './candle-store';
import type { FinalCandle } from './final-candle';
import { resolveRetention, retentionCutoff, type RetentionPolicy } from './retention-policy';

export interface MemoryCandleStoreOptions {
  /** Most candles kept per stream; beyond, the oldest go (and the stream's floor moves up). Default 10,000. */
  maxCandlesPerStream?: number;
  /** Retention overrides per timeframe (seconds → ms) on top of DEFAULT_RETENTION_MS, used by prune. */
  retention?: Readonly<Record<number, number>>;
}

export interface MemoryCandleStoreStats {
  streams: number;
  candles: number;
  /** Candles removed by the per-stream bound (not by retention). */
  evicted: number;
}

/** One stream: parallel arrays sorted by time (binary search, append at the end in the common case). */
interface Series {
  readonly timeframe: number;
  readonly times: number[];
  readonly candles: Candle[];
  readonly prevs: (number | null)[];
  floor: number | undefined;
}

/**
 * The embedded CandleStore: everything in this process, bounded per stream.
 *
 * Writes are applied synchronously, before `upsert` returns its promise. The embedded seam
 * relies on it: the engine publishes a batch and then hands its finals to the queue in the same
 * tick, so by the time any other code runs, the store holds every published final.
 */
export class MemoryCandleStore implements CandleStore {
  private readonly series = new Map<string, Series>();
  private readonly maxPerStream: number;
  private readonly retention: RetentionPolicy;
  private evicted = 0;
  private closed = false;

  constructor(options: MemoryCandleStoreOptions = {}) {
    this.maxPerStream = options.maxCandlesPerStream ?? 10_000;
    if (!Number.isSafeInteger(this.maxPerStream) || this.maxPerStream < 1) {
      throw new CandleStoreError('upsert', `maxCandlesPerStream must be a positive integer, got ${String(options.maxCandlesPerStream)}`);
    }
    this.retention = resolveRetention(options.retention);
  }

  upsert(candles: readonly FinalCandle[]): Promise<void> {
    if (this.closed) return Promise.reject(new CandleStoreError('upsert', 'the store is closed'));
    for (const final of candles) this.write(final);
    return Promise.resolve();
  }

  range(instrument: string, timeframe: number, query: CandleRangeQuery): Promise<CandleRange> {
    if (this.closed) return Promise.reject(new CandleStoreError('range', 'the store is closed'));
    if (!Number.isSafeInteger(query.limit) || query.limit < 1)
      return Promise.reject(new CandleStoreError('range', `limit must be a positive integer, got ${query.limit}`));
    const series = this.series.get(key(instrument, timeframe));
    if (series === undefined) return Promise.resolve({ candles: [], prevs: [], coversFrom: undefined, floor: undefined });
    // [from, to): from = first time > afterTime, to = first time > throughTime.
    const to = query.throughTime === undefined ? series.times.length : upperBound(series.times, query.throughTime);
    const lower = query.afterTime === undefined ? 0 : upperBound(series.times, query.afterTime);
    const from = Math.max(lower, to - query.limit);
    const candles = series.candles.slice(from, to);
    const prevs = series.prevs.slice(from, to);
    return Promise.resolve({ candles, prevs, coversFrom: coverageOf(candles, prevs, timeframe), floor: series.floor });
  }

  prune(now: number): Promise<PruneResult> {
    if (this.closed) return Promise.reject(new CandleStoreError('prune', 'the store is closed'));
    let removed = 0;
    for (const series of this.series.values()) {
      const cutoff = retentionCutoff(this.retention, series.timeframe, now);
      // Everything strictly before the cutoff goes: the first index with time >= cutoff.
      const keepFrom = lowerBound(series.times, cutoff);
      if (keepFrom > 0) {
        series.times.splice(0, keepFrom);
        series.candles.splice(0, keepFrom);
        series.prevs.splice(0, keepFrom);
        removed += keepFrom;
      }
      series.floor = Math.max(series.floor ?? cutoff, cutoff);
    }
    return Promise.resolve({ removed, streams: this.series.size });
  }

  stats(): MemoryCandleStoreStats {
    let candles = 0;
    for (const series of this.series.values()) candles += series.times.length;
    return { streams: this.series.size, candles, evicted: this.evicted };
  }

  close(): Promise<void> {
    this.closed = true;
    this.series.clear();
    return Promise.resolve();
  }

  private write(final: FinalCandle): void {
    const id = key(final.instrument, final.timeframe);
    let series = this.series.get(id);
    if (series === undefined) {
      series = { timeframe: final.timeframe, times: [], candles: [], prevs: [], floor: undefined };
      this.series.set(id, series);
    }
    const time = final.candle.time;
    // Past retention or the bound already: writing it back would resurrect what was removed.
    if (series.floor !== undefined && time < series.floor) return;
    // A copy, frozen: callers keep their objects, readers cannot change stored ones.
    const candle = Object.freeze({ ...final.candle });
    const count = series.times.length;
    const index = count > 0 && series.times[count - 1]! < time ? count : lowerBound(series.times, time);
    if (series.times[index] === time) {
      series.candles[index] = candle;
      series.prevs[index] = final.prev;
      return;
    }
    series.times.splice(index, 0, time);
    series.candles.splice(index, 0, candle);
    series.prevs.splice(index, 0, final.prev);
    const excess = series.times.length - this.maxPerStream;
    if (excess > 0) {
      const newestEvicted = series.times[excess - 1]!;
      series.times.splice(0, excess);
      series.candles.splice(0, excess);
      series.prevs.splice(0, excess);
      series.floor = Math.max(series.floor ?? Number.NEGATIVE_INFINITY, newestEvicted + final.timeframe * 1000);
      this.evicted += excess;
    }
  }
}

function key(instrument: string, timeframe: number): string {
  return `${instrument}\u0000${timeframe}`;
}

/** First index whose time is >= `time`. */
function lowerBound(times: readonly number[], time: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid]! < time) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** First index whose time is > `time`. */
function upperBound(times: readonly number[], time: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (times[mid]! <= time) low = mid + 1;
    else high = mid;
  }
  return low;
}

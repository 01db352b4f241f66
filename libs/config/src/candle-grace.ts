import { PRICE_SYMBOLS } from '@mdg/model';
import type { EnvReader } from './env-reader';

/** Ordered exchange-style feeds (simulator, binance, coinbase, replay): trades arrive in time order. */
export const DEFAULT_FEED_GRACE_MS = 250;
/** Ingested (on-chain indexer) trades: several indexers and slot confirmation reorder them by seconds. */
export const DEFAULT_INGEST_GRACE_MS = 2000;

/**
 * How long a candle bucket waits for out-of-order trades, per kind of feed. The grace is also
 * the delay of a new bucket's first live update (the order rule, see BENCHMARKS.md), so it is
 * small where trades arrive in order and larger only where they do not.
 */
export interface CandleGraceSettings {
  /** Instruments of MDG_FEED's main feed. */
  readonly feedMs: number;
  /** Tokens when MDG_FEED includes `ingest`. */
  readonly ingestMs: number;
}

export function readCandleGrace(read: EnvReader): CandleGraceSettings {
  // Read all three every time, so every name counts as read (the settings registry spec).
  const override = read.raw('MDG_CANDLE_GRACE_MS') === undefined ? undefined : read.integer('MDG_CANDLE_GRACE_MS', 0, 0, 60_000);
  const feedMs = read.integer('MDG_CANDLE_GRACE_FEED_MS', DEFAULT_FEED_GRACE_MS, 0, 60_000);
  const ingestMs = read.integer('MDG_CANDLE_GRACE_INGEST_MS', DEFAULT_INGEST_GRACE_MS, 0, 60_000);
  return Object.freeze({ feedMs: override ?? feedMs, ingestMs: override ?? ingestMs });
}

const SYMBOLS: ReadonlySet<string> = new Set(PRICE_SYMBOLS);

/**
 * The grace of one instrument: the ingest grace for tokens when ingest is on (tokens are what
 * indexers push), the main feed's otherwise. Symbols always come from an ordered feed.
 */
export function candleGraceFor(config: { readonly candleGrace: CandleGraceSettings; readonly ingest: boolean }): (instrument: string) => number {
  const { feedMs, ingestMs } = config.candleGrace;
  return (instrument) => (config.ingest && !SYMBOLS.has(instrument) ? ingestMs : feedMs);
}

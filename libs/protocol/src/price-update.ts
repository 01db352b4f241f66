import type { MarketUpdate, PriceSymbol } from '@mdg/model';
import type { BenchStamps } from './encode-chart-event';

/**
 * What `/api-ws` sends (`initial-prices` items, `price-update`): the MarketUpdate plus the
 * extension field `seq` (per symbol, +1 per update); with the benchmark-only stamps also `t`
 * (acceptance) and `tp` (publication) as CLOCK_MONOTONIC ms with sub-ms precision.
 */
export type PriceUpdate = MarketUpdate & { seq: number; t?: number; tp?: number };

const NUMERIC_FIELDS = ['price', 'volume', 'timestamp', 'change', 'changePercent'] as const;

/**
 * The wire object of one price update, built once and shared by every recipient; undefined
 * when `payload` is not a MarketUpdate of `symbol` or `seq` is not a position (a bus may span
 * processes, so it is checked at this boundary rather than trusted). `symbol` is upper-case.
 */
export function toPriceUpdate(symbol: PriceSymbol, payload: unknown, seq: number, stamps?: BenchStamps): PriceUpdate | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const fields = payload as Record<string, unknown>;
  if (typeof fields['symbol'] !== 'string' || fields['symbol'].toUpperCase() !== symbol) return undefined;
  for (const field of NUMERIC_FIELDS) if (typeof fields[field] !== 'number' || !Number.isFinite(fields[field])) return undefined;
  if (!Number.isSafeInteger(seq) || seq < 1) return undefined;
  // Spread keeps fields a newer engine may add (the protocol allows added JSON fields).
  if (stamps !== undefined) return { ...(payload as MarketUpdate), symbol, seq, t: stamps.t, tp: stamps.tp };
  return { ...(payload as MarketUpdate), symbol, seq };
}

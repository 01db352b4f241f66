import { monotonicOf, type Envelope } from '@mdg/bus';
import type { MarketUpdate, PriceSymbol } from '@mdg/model';

/**
 * What `/api-ws` sends: the MarketUpdate plus the extension field `seq` (per symbol, +1 per
 * update); with the benchmark-only `benchStamp` option also `t` (envelope.acceptedAt) and `tp`
 * (envelope.publishedAt) as CLOCK_MONOTONIC ms with sub-ms precision.
 */
export type PriceUpdate = MarketUpdate & { seq: number; t?: number; tp?: number };

const NUMERIC_FIELDS = ['price', 'volume', 'timestamp', 'change', 'changePercent'] as const;

/**
 * The wire object of one price envelope, built once and shared by every recipient; undefined
 * when the payload is not a MarketUpdate (the bus may span processes, so it is checked at
 * this boundary rather than trusted). `symbol` is the stream's upper-case symbol.
 */
export function priceUpdateFromEnvelope(symbol: PriceSymbol, envelope: Envelope, benchStamp = false): PriceUpdate | undefined {
  const payload = envelope.payload;
  if (typeof payload !== 'object' || payload === null) return undefined;
  const fields = payload as Record<string, unknown>;
  if (typeof fields['symbol'] !== 'string' || fields['symbol'].toUpperCase() !== symbol) return undefined;
  for (const field of NUMERIC_FIELDS) if (typeof fields[field] !== 'number' || !Number.isFinite(fields[field])) return undefined;
  if (!Number.isSafeInteger(envelope.seq) || envelope.seq < 1) return undefined;
  // Spread keeps fields a newer engine may add (the protocol allows added JSON fields).
  if (benchStamp) return { ...(payload as MarketUpdate), symbol, seq: envelope.seq, t: monotonicOf(envelope.acceptedAt), tp: monotonicOf(envelope.publishedAt) };
  return { ...(payload as MarketUpdate), symbol, seq: envelope.seq };
}

import type { Trade } from '@mdg/model';
import { redisKeys } from './redis-keys';

/**
 * The token-trade ingest stream, the contract between indexers and mdg:
 *
 *   stream   `<prefix>ingest:trades` (e.g. `mdg:ingest:trades`)
 *   entry    one trade per entry, field `trade` = the Trade as JSON:
 *            {"instrument":"<mint>","price":<USD per whole token>,"size":<smallest units>,
 *             "side":"buy"|"sell","time":<unix ms>,"tradeId":"<unique within source>","source":"<dex>"}
 *            Other fields of the entry, and unknown keys inside `trade`, are ignored.
 *
 *   XADD mdg:ingest:trades MAXLEN ~ 1000000 * trade '{"instrument":"...","price":0.0000213,...}'
 *
 * `(source, instrument, tradeId)` identifies a trade: an indexer that retries an XADD it is
 * unsure about may do so freely, the consumer applies the trade once.
 */
export const INGEST_TRADE_FIELD = 'trade';

/** `<prefix>ingest:trades` (redisKeys(prefix).ingest.trades). */
export function ingestStreamKey(keyPrefix: string): string {
  return redisKeys(keyPrefix).ingest.trades;
}

/** The `trade` field value: only the Trade fields, in a fixed order. */
export function encodeIngestTrade(trade: Trade): string {
  const { instrument, price, size, side, time, tradeId, source } = trade;
  return JSON.stringify({ instrument, price, size, side, time, tradeId, source });
}

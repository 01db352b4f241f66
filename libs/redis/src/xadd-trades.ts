import type { Redis } from 'ioredis';
import { ServiceUnavailableError, type Trade } from '@mdg/model';
import { encodeIngestTrade, ingestStreamKey, INGEST_TRADE_FIELD } from './ingest-stream-format';

export interface XaddTradesOptions {
  /**
   * Trim the stream to about this many entries (`MAXLEN ~ n`), so it never grows without bound.
   * Choose it above the longest backlog a consumer outage may build up: trimmed entries that were
   * never consumed are lost. Default: no trimming.
   */
  maxLen?: number;
}

/**
 * Appends trades to the ingest stream (`<prefix>ingest:trades`, one entry per trade with field
 * `trade`), in order, in one MULTI/EXEC: either every trade is appended or none is. What an
 * indexer does, and what the HTTP ingest route does in Redis mode. Returns the entry ids.
 * @throws ServiceUnavailableError when Redis refuses or cannot be reached.
 */
export async function xaddTrades(client: Redis, keyPrefix: string, trades: readonly Trade[], options: XaddTradesOptions = {}): Promise<string[]> {
  if (trades.length === 0) return [];
  const key = ingestStreamKey(keyPrefix);
  const maxLen = options.maxLen;
  if (maxLen !== undefined && (!Number.isInteger(maxLen) || maxLen < 1)) throw new RangeError(`maxLen must be a positive integer, got ${maxLen}`);
  const transaction = client.multi();
  for (const trade of trades) {
    if (maxLen === undefined) transaction.xadd(key, '*', INGEST_TRADE_FIELD, encodeIngestTrade(trade));
    else transaction.xadd(key, 'MAXLEN', '~', maxLen, '*', INGEST_TRADE_FIELD, encodeIngestTrade(trade));
  }
  let results: [Error | null, unknown][] | null;
  try {
    results = await transaction.exec();
  } catch (error) {
    throw new ServiceUnavailableError('redis', `XADD of ${trades.length} trade(s) to ${key} failed: ${(error as Error).message}`, { cause: error });
  }
  if (results === null) throw new ServiceUnavailableError('redis', `XADD of ${trades.length} trade(s) to ${key} was aborted`);
  return results.map(([error, id]) => {
    if (error) throw new ServiceUnavailableError('redis', `XADD to ${key} failed: ${error.message}`, { cause: error });
    return String(id);
  });
}

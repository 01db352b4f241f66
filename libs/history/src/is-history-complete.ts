import { bucketStart } from '@mdg/model';
import type { CandleRange } from './candle-store';
import type { HistoryRequest } from './history-request';

/**
 * The `complete` flag of a history answer: true when the store proves the answer has no hole.
 *
 * - With `since`: every final after `since` up to the newest returned candle is in the answer.
 *   False when the gap reaches back past what the store holds (retention, a wiped store, a
 *   drop while the queue was unreachable) or holds more candles than the answer's limit, or when
 *   a final in it has no link (its producer started without state after the client's last final:
 *   finals, and trades of that very bucket, may be lost with the restart).
 * - With `history: N` alone: the answer is the newest N finals without a hole, or fewer because
 *   the stream has no older ones (its first final since the producer started). False when older
 *   finals existed but the store no longer has them.
 *
 * Whether finals between the newest returned candle and the live stream are missing cannot be
 * known yet when the answer is sent; the seam checks that afterwards (HistorySeam).
 */
export function isHistoryComplete(request: HistoryRequest, range: CandleRange, limit: number): boolean {
  const { candles, prevs, coversFrom, floor } = range;
  const tfMs = request.timeframe * 1000;
  if (request.since !== undefined) {
    const firstWanted = bucketStart(request.since, request.timeframe) + tfMs;
    if (candles.length === 0) return floor === undefined || floor <= firstWanted;
    return coversFrom !== undefined && coversFrom <= firstWanted && prevs.every((prev) => prev !== null);
  }
  if (candles.length === 0) return floor === undefined;
  const holeFree = coversFrom !== undefined && coversFrom <= candles[0]!.time;
  return holeFree && (candles.length >= limit || prevs[0] === null);
}

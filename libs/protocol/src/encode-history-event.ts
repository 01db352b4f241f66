import type { Candle, TokenInstrument } from '@mdg/model';
import { wireCandle } from './encode-chart-event';

/** History holds closed candles only. */
const closedWireCandle = (candle: Candle) => wireCandle(candle, true);

/**
 * Extension: the one `history` event of a subscription with `"history"` or `"since"`, sent after
 * the confirmation and before any live candle of the stream:
 * `{"event":"history","tokenAddress","timeframe","candles":[closed candles, oldest first],"complete"}`.
 * `complete` is false when the store cannot prove the answer has no hole: with `since`, when it
 * no longer holds every final after that time (retention, a store restarted empty, finals
 * dropped while the queue was unreachable, or more than the answer's limit); with `history: N`
 * alone, when older finals existed but are gone. A client seeing false knows it has a gap.
 */
export function encodeHistoryEvent(token: TokenInstrument, timeframe: number, candles: readonly Candle[], complete: boolean): string {
  return JSON.stringify({ event: 'history', tokenAddress: token.tokenAddress, timeframe, candles: candles.map(closedWireCandle), complete });
}

/**
 * Extension: a final recovered at the history/live seam (published just before the subscription,
 * stored after the history was read). A `chart` event like the live ones, closed, with
 * `recovered: true` and no `seq` or `epoch` (its place in the stream's seq order is not known here).
 */
export function encodeRecoveredChartEvent(token: TokenInstrument, timeframe: number, candle: Candle): string {
  return JSON.stringify({
    event: 'chart',
    tokenAddress: token.tokenAddress,
    quoteToken: token.quoteToken,
    timeframe,
    candle: closedWireCandle(candle),
    recovered: true,
  });
}

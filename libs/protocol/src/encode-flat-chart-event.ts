import type { Candle, TokenInstrument } from '@mdg/model';
import { wireCandle } from './encode-chart-event';

/**
 * Extension (`"flat": true` subscriptions only): the final candle of a quiet bucket, open = high
 * = low = close = the previous close, volumes and counts 0. A `chart` event like the live ones,
 * closed, with `flat: true` and no `seq` or `epoch`: it is made at the edge, not published on the
 * stream, so the seq of the real updates stays +1 per message and a seq-checking bot is not misled.
 */
export function encodeFlatChartEvent(token: TokenInstrument, timeframe: number, candle: Candle): string {
  return JSON.stringify({
    event: 'chart',
    tokenAddress: token.tokenAddress,
    quoteToken: token.quoteToken,
    timeframe,
    candle: wireCandle(candle, true),
    flat: true,
  });
}

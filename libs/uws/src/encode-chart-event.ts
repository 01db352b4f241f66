import type { Envelope } from '@mdg/bus';
import type { CandleUpdate, TokenInstrument } from '@mdg/model';

/**
 * The `chart` event of one candle envelope, as sent on the wire. Field order is PROTOCOL.md's
 * example; `seq` (the stream's envelope seq) and `candle.closed` are the extension fields.
 * Called once per envelope, never per recipient: the same bytes go to every subscriber.
 */
export function encodeChartEvent(token: TokenInstrument, envelope: Envelope<CandleUpdate>): string {
  const { timeframe, candle, closed } = envelope.payload;
  return JSON.stringify({
    event: 'chart',
    tokenAddress: token.tokenAddress,
    quoteToken: token.quoteToken,
    timeframe,
    candle: {
      time: candle.time,
      datetime: new Date(candle.time).toISOString(),
      open: candle.open,
      high: candle.high,
      low: candle.low,
      close: candle.close,
      volume: candle.volume,
      volumeUsd: candle.volumeUsd,
      trades: candle.trades,
      buys: candle.buys,
      sells: candle.sells,
      closed,
    },
    seq: envelope.seq,
  });
}

/** Cheap structural check of a bus payload before it is trusted as a CandleUpdate. */
export function isCandleUpdate(payload: unknown): payload is CandleUpdate {
  if (typeof payload !== 'object' || payload === null) return false;
  const update = payload as Partial<CandleUpdate>;
  return (
    typeof update.instrument === 'string' &&
    typeof update.timeframe === 'number' &&
    typeof update.closed === 'boolean' &&
    typeof update.candle === 'object' &&
    update.candle !== null &&
    Number.isFinite(update.candle.time)
  );
}

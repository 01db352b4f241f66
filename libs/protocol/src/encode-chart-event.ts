import { monotonicOf, type Envelope } from '@mdg/bus';
import type { Candle, CandleUpdate, TokenInstrument } from '@mdg/model';

/** A candle as chart and history events carry it: PROTOCOL.md's field order, plus `closed`. */
export function wireCandle(candle: Candle, closed: boolean) {
  return {
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
  };
}

/**
 * The `chart` event of one candle envelope, as sent on the wire. Field order is PROTOCOL.md's
 * example; `seq` (the stream's envelope seq) and `candle.closed` are the extension fields.
 * Called once per envelope, never per recipient: the same bytes go to every subscriber.
 *
 * `benchStamp` (off by default, for `npm run bench` only) appends `t` = envelope.acceptedAt and
 * `tp` = envelope.publishedAt as CLOCK_MONOTONIC ms (sub-ms precision) so a load generator on
 * the same machine can measure tick-to-wire and publish-to-wire latency.
 */
export function encodeChartEvent(token: TokenInstrument, envelope: Envelope<CandleUpdate>, benchStamp = false): string {
  const { timeframe, candle, closed } = envelope.payload;
  const event = {
    event: 'chart',
    tokenAddress: token.tokenAddress,
    quoteToken: token.quoteToken,
    timeframe,
    candle: wireCandle(candle, closed),
    seq: envelope.seq,
  };
  return benchStamp ? JSON.stringify({ ...event, t: monotonicOf(envelope.acceptedAt), tp: monotonicOf(envelope.publishedAt) }) : JSON.stringify(event);
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

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

/** The benchmark-only latency stamps: CLOCK_MONOTONIC ms (sub-ms precision) of acceptance and publication. */
export interface BenchStamps {
  readonly t: number;
  readonly tp: number;
}

/** Where an update sits in its stream: the engine epoch and the per-stream seq (see @mdg/bus Envelope). */
export interface ChartEventPosition {
  readonly seq: number;
  readonly epoch: number;
}

/**
 * The `chart` event of one candle update, as sent on the wire. Field order is PROTOCOL.md's
 * example; `seq` and `epoch` (the stream's position: a resuming client compares both, since a
 * takeover or a Redis that forgot the seqs raises the epoch) and `candle.closed` are the
 * extension fields, added JSON fields a base client ignores. Called once per update, never per
 * recipient: the same bytes go to every subscriber.
 *
 * `stamps` (for `npm run bench` only) appends `t` and `tp` so a load generator on the same
 * machine can measure tick-to-wire and publish-to-wire latency.
 */
export function encodeChartEvent(token: TokenInstrument, update: CandleUpdate, position: ChartEventPosition, stamps?: BenchStamps): string {
  const event = {
    event: 'chart',
    tokenAddress: token.tokenAddress,
    quoteToken: token.quoteToken,
    timeframe: update.timeframe,
    candle: wireCandle(update.candle, update.closed),
    seq: position.seq,
    epoch: position.epoch,
  };
  return JSON.stringify(stamps === undefined ? event : { ...event, t: stamps.t, tp: stamps.tp });
}

/** Cheap structural check of a payload before it is trusted as a CandleUpdate. */
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

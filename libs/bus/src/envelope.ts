import type { CandleUpdate, MarketUpdate } from '@mdg/model';

/**
 * One message on one stream. `seq` rises by exactly 1 per message of a stream within an
 * `epoch`; the epoch rises when another engine takes the stream over. A receiver that
 * sees a seq jump or an epoch change knows it missed something.
 */
export interface Envelope<T = unknown> {
  stream: string;
  epoch: number;
  seq: number;
  payload: T;
  /** Wall-clock ms (sub-ms precision) when the engine accepted the oldest trade folded into this message. */
  acceptedAt: number;
  /** Wall-clock ms when the engine published it. */
  publishedAt: number;
}

export type PriceEnvelope = Envelope<MarketUpdate>;
export type CandleEnvelope = Envelope<CandleUpdate>;

let wallMinusPerformance: number | undefined;
let monotonicMinusPerformance = 0;

/**
 * Fixes, once per process, how performance.now() maps to the wall clock and to CLOCK_MONOTONIC.
 * Why not performance.timeOrigin: it is often 1–2 ms off the wall clock, differently in each
 * process, which would show as latency between an engine and an edge. Read at the instant
 * Date.now() ticks over, the wall clock is exact to well under 0.1 ms, so processes of one
 * machine agree that closely.
 */
function calibrate(): number {
  const start = Date.now();
  let wall = start;
  let at = performance.now();
  // Spins at most 1 ms, once.
  while (wall === start) {
    at = performance.now();
    wall = Date.now();
  }
  monotonicMinusPerformance = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  wallMinusPerformance = wall - at;
  return wallMinusPerformance;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes of one machine. */
export function preciseNow(): number {
  return (wallMinusPerformance ?? calibrate()) + performance.now();
}

/**
 * The CLOCK_MONOTONIC reading (ms) of a preciseNow() stamp: what a client on the same machine
 * compares with its own monotonic clock (the benchmark's tick-to-wire stamps).
 */
export function monotonicOf(preciseWallMs: number): number {
  const offset = wallMinusPerformance ?? calibrate();
  return preciseWallMs - offset + monotonicMinusPerformance;
}

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
 * process, which would show as latency between an engine and an edge. The wall clock is
 * exact at the instant Date.now() ticks over; that instant lies between the last read that
 * saw the old value and the first that sees the new one. Of a few ticks, the one pinned
 * down most tightly wins (a read interrupted by the scheduler gives a wide, ignored window),
 * so processes of one machine agree to a few µs.
 */
function calibrate(): number {
  let best = { width: Number.POSITIVE_INFINITY, offset: 0 };
  // `before` is read before the wall clock, also here: read after it, a tick between the two
  // reads would fall outside the first window, pinning the offset up to a preemption off.
  let previousBefore = performance.now();
  let previousWall = Date.now();
  // At least MIN_CALIBRATION_TICKS ticks; more while none was pinned down tightly (a busy
  // machine preempts reads), up to MAX_CALIBRATION_TICKS milliseconds, once per process.
  for (let ticks = 0; ticks < MIN_CALIBRATION_TICKS || (best.width > TIGHT_TICK_WINDOW_MS && ticks < MAX_CALIBRATION_TICKS);) {
    const before = performance.now();
    const wall = Date.now();
    const after = performance.now();
    if (wall !== previousWall) {
      // The tick happened after the previous read began and before this one ended.
      const width = after - previousBefore;
      if (width < best.width) best = { width, offset: wall - (previousBefore + after) / 2 };
      ticks += 1;
    }
    previousWall = wall;
    previousBefore = before;
  }
  // Both clocks are monotonic; a read pair split by the scheduler only overstates the gap.
  monotonicMinusPerformance = Number.POSITIVE_INFINITY;
  for (let sample = 0; sample < 5; sample += 1) {
    const at = performance.now();
    monotonicMinusPerformance = Math.min(monotonicMinusPerformance, Number(process.hrtime.bigint()) / 1e6 - at);
  }
  wallMinusPerformance = best.offset;
  return wallMinusPerformance;
}

const MIN_CALIBRATION_TICKS = 4;
const MAX_CALIBRATION_TICKS = 50;
/** A tick window this narrow pins the offset to a few µs; wider ones come from preempted reads. */
const TIGHT_TICK_WINDOW_MS = 0.02;

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

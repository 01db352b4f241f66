import { UnrecoverableError } from 'bullmq';
import { createHash } from 'node:crypto';
import type { FinalCandle } from '@mdg/history';

/** One final as a compact row: [instrument, timeframe, time, open, high, low, close, volume, volumeUsd, trades, buys, sells, prev]. */
type Row = [string, number, number, number, number, number, number, number, number, number, number, number, number | null];

/** The data of a persist job (versioned: a worker must recognise what an older or newer producer wrote). */
export interface CandleJobData {
  v: 1;
  candles: Row[];
}

/** Encodes finals for a job: rows, not objects, because Redis holds every job until it is processed. */
export function encodeCandleJob(finals: readonly FinalCandle[]): CandleJobData {
  return {
    v: 1,
    candles: finals.map(({ instrument, timeframe, candle: c, prev }) => [
      instrument,
      timeframe,
      c.time,
      c.open,
      c.high,
      c.low,
      c.close,
      c.volume,
      c.volumeUsd,
      c.trades,
      c.buys,
      c.sells,
      prev,
    ]),
  };
}

/**
 * Decodes and checks a job's data. Malformed data can never succeed however often it is tried,
 * so it throws BullMQ's UnrecoverableError (the job fails at once instead of burning retries).
 */
export function decodeCandleJob(data: unknown): FinalCandle[] {
  const body = data as Partial<CandleJobData> | null;
  if (typeof body !== 'object' || body === null || body.v !== 1 || !Array.isArray(body.candles)) {
    throw new UnrecoverableError(`not a persist-candles job (version ${String(body?.v)})`);
  }
  return body.candles.map((row, index) => {
    const valid =
      Array.isArray(row) &&
      row.length === 13 &&
      typeof row[0] === 'string' &&
      row.slice(1, 12).every((value) => typeof value === 'number' && Number.isFinite(value)) &&
      (row[12] === null || Number.isFinite(row[12]));
    if (!valid) throw new UnrecoverableError(`persist-candles job: row ${index} is malformed`);
    const [instrument, timeframe, time, open, high, low, close, volume, volumeUsd, trades, buys, sells, prev] = row;
    return { instrument, timeframe, candle: { time, open, high, low, close, volume, volumeUsd, trades, buys, sells }, prev };
  });
}

/**
 * A job id derived from the batch's content (stream and time of every final). The producer
 * retries an add that may or may not have reached Redis with the same batch, hence the same id,
 * and BullMQ ignores an add whose id already exists: a retried enqueue never doubles a job.
 * (BullMQ ids may not contain ':'.)
 */
export function candleJobId(finals: readonly FinalCandle[]): string {
  const hash = createHash('sha1');
  for (const final of finals) hash.update(`${final.instrument}\u0000${final.timeframe}\u0000${final.candle.time}\n`);
  return `candles-${hash.digest('hex')}`;
}

import type { Candle } from '@mdg/model';

/** A stored candle: [time, open, high, low, close, volume, volumeUsd, trades, buys, sells, prev] as JSON. */
export function encodeCandleRecord(candle: Candle, prev: number | null): string {
  return JSON.stringify([
    candle.time,
    candle.open,
    candle.high,
    candle.low,
    candle.close,
    candle.volume,
    candle.volumeUsd,
    candle.trades,
    candle.buys,
    candle.sells,
    prev,
  ]);
}

/** The candle and link of a stored record, or undefined when the record is not one (it is then skipped and reported). */
export function decodeCandleRecord(record: string): { candle: Candle; prev: number | null } | undefined {
  let row: unknown;
  try {
    row = JSON.parse(record);
  } catch {
    // Not JSON: the caller reports it as a corrupt record.
    return undefined;
  }
  if (!Array.isArray(row) || row.length !== 11) return undefined;
  const numbers = row.slice(0, 10);
  if (!numbers.every((value) => typeof value === 'number' && Number.isFinite(value))) return undefined;
  const prev: unknown = row[10];
  if (prev !== null && !(typeof prev === 'number' && Number.isFinite(prev))) return undefined;
  const [time, open, high, low, close, volume, volumeUsd, trades, buys, sells] = numbers as number[];
  return {
    candle: {
      time: time!,
      open: open!,
      high: high!,
      low: low!,
      close: close!,
      volume: volume!,
      volumeUsd: volumeUsd!,
      trades: trades!,
      buys: buys!,
      sells: sells!,
    },
    prev,
  };
}

import type { Envelope } from '@mdg/bus';
import type { CandleUpdate } from '@mdg/model';
import type { CandleSpec } from './testing/chart-live-harness';
import { useStoredTokenStream } from './testing/stored-token-stream';
import type { TestClient } from './testing/test-client';

interface Chart {
  time: number;
  closed: boolean;
  close: number;
  volume: number;
  trades: number;
  flat: boolean;
  seq: number | undefined;
}

/** The candles a client got for a stream, history ones included, in arrival order. */
function candlesOf(client: TestClient): Chart[] {
  const out: Chart[] = [];
  for (const message of client.texts.map((text) => JSON.parse(text) as Record<string, unknown>)) {
    const candles = message['event'] === 'history' ? (message['candles'] as Chart[]) : message['event'] === 'chart' ? [message['candle'] as Chart] : [];
    for (const candle of candles)
      out.push({
        ...candle,
        closed: message['event'] === 'history' || candle.closed,
        flat: message['flat'] === true,
        seq: message['seq'] as number | undefined,
      });
  }
  return out;
}

/** PROTOCOL.md's order rule, and no holes between finals (what flat promises). */
function expectOrderedWithoutHoles(candles: readonly Chart[], tfMs: number): void {
  let newest: Chart | undefined;
  let lastFinal: number | undefined;
  for (const candle of candles) {
    if (newest !== undefined) expect(candle.time).toBeGreaterThanOrEqual(newest.time);
    if (newest !== undefined && candle.time > newest.time) expect(newest.closed).toBe(true);
    if (candle.closed) {
      if (lastFinal !== undefined) expect(candle.time).toBe(lastFinal + tfMs);
      lastFinal = candle.time;
    }
    newest = candle;
  }
}

describe('chart-live "flat": true', () => {
  const stream = useStoredTokenStream();
  const publish = (spec: CandleSpec): Envelope<CandleUpdate> => stream().publish(spec);
  const subscribed = (subscription: Record<string, unknown>): Promise<TestClient> => stream().subscribed(subscription);

  it('gives a flat subscriber a final for every quiet bucket, in order, while a base one sees the stream unchanged', async () => {
    const first = publish({ bucket: 0, closed: true, close: 5 });
    const base = await subscribed({});
    const flat = await subscribed({ flat: true });
    publish({ bucket: 3 });
    const last = publish({ bucket: 3, closed: true });
    await flat.until(() => candlesOf(flat).some((candle) => candle.closed && candle.time === last.payload.candle.time), 5000, 'the final of bucket 3');
    await base.until(() => candlesOf(base).some((candle) => candle.closed && candle.time === last.payload.candle.time), 5000, 'the final of bucket 3');
    const t0 = first.payload.candle.time;
    // Base: the late joiner's candle, then the stream as published, seq +1 per message, nothing flat.
    expect(candlesOf(base).map((candle) => [candle.time - t0, candle.closed, candle.seq])).toEqual([
      [0, true, 1],
      [3000, false, 2],
      [3000, true, 3],
    ]);
    const flats = candlesOf(flat);
    expect(flats.map((candle) => [candle.time - t0, candle.closed, candle.flat])).toEqual([
      [0, true, false],
      [1000, true, true],
      [2000, true, true],
      [3000, false, false],
      [3000, true, false],
    ]);
    expect(flats[1]).toMatchObject({ close: 5, volume: 0, trades: 0, seq: undefined });
    expectOrderedWithoutHoles(flats, 1000);
  });

  it('answers history in the same mode (gaps filled from the previous close), then continues live without a hole', async () => {
    for (const bucket of [0, 1, 4]) publish({ bucket, closed: true, close: 10 + bucket });
    publish({ bucket: 5 });
    const flat = await subscribed({ flat: true, history: 10 });
    await flat.until(() => flat.texts.some((text) => text.includes('"event":"history"')), 5000, 'the history answer');
    publish({ bucket: 5, closed: true });
    publish({ bucket: 7 });
    await flat.until(() => candlesOf(flat).some((candle) => !candle.closed && candle.time === candlesOf(flat)[0]!.time + 7000), 5000, 'bucket 7');
    const candles = candlesOf(flat);
    const t0 = candles[0]!.time;
    expect(candles.filter((candle) => candle.closed).map((candle) => [(candle.time - t0) / 1000, candle.close, candle.trades > 0])).toEqual([
      [0, 10, true],
      [1, 11, true],
      [2, 11, false],
      [3, 11, false],
      [4, 14, true],
      [5, expect.any(Number), true],
      [6, candles.find((candle) => candle.closed && candle.time === t0 + 5000)!.close, false],
    ]);
    expectOrderedWithoutHoles(candles, 1000);
  });
});

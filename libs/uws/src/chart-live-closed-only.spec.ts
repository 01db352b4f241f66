import type { Envelope } from '@mdg/bus';
import type { CandleUpdate } from '@mdg/model';
import type { CandleSpec } from './testing/chart-live-harness';
import { useStoredTokenStream } from './testing/stored-token-stream';
import type { TestClient } from './testing/test-client';

/** [time, closed] of every candle a client got, history ones included, in arrival order. */
function candlesOf(client: TestClient): [number, boolean][] {
  return client.texts.flatMap((text): [number, boolean][] => {
    const message = JSON.parse(text) as { event?: string; candle?: { time: number; closed: boolean }; candles?: { time: number }[] };
    if (message.event === 'history') return (message.candles ?? []).map((candle) => [candle.time, true]);
    return message.event === 'chart' && message.candle ? [[message.candle.time, message.candle.closed]] : [];
  });
}

describe('chart-live "closedOnly": true', () => {
  const stream = useStoredTokenStream();
  const publish = (spec: CandleSpec): Envelope<CandleUpdate> => stream().publish(spec);
  const subscribed = (subscription: Record<string, unknown>): Promise<TestClient> => stream().subscribed(subscription);

  it('sends only finals, each once and in order, never the late joiner candle; a base subscriber sees everything', async () => {
    const first = publish({ bucket: 0 });
    const closedOnly = await subscribed({ closedOnly: true });
    const base = await subscribed({});
    publish({ bucket: 0, closed: true });
    publish({ bucket: 1 });
    publish({ bucket: 1 });
    publish({ bucket: 1, closed: true });
    const last = publish({ bucket: 3, closed: true });
    const done = (client: TestClient) => candlesOf(client).some(([time, closed]) => closed && time === last.payload.candle.time);
    await closedOnly.until(() => done(closedOnly), 5000, 'the final of bucket 3');
    await base.until(() => done(base), 5000, 'the final of bucket 3');
    const t0 = first.payload.candle.time;
    expect(candlesOf(closedOnly).map(([time, closed]) => [time - t0, closed])).toEqual([
      [0, true],
      [1000, true],
      [3000, true],
    ]);
    expect(candlesOf(base)).toHaveLength(6);
  });

  it('composes with history and since: the answer, then only the live finals after it', async () => {
    const t0 = [0, 1, 2].map((bucket) => publish({ bucket, closed: true }))[0]!.payload.candle.time;
    publish({ bucket: 3 });
    const resumed = await subscribed({ closedOnly: true, since: t0 });
    const withHistory = await subscribed({ closedOnly: true, history: 2 });
    for (const client of [resumed, withHistory])
      await client.until(() => client.texts.some((text) => text.includes('"event":"history"')), 5000, 'the history answer');
    publish({ bucket: 3 });
    const last = publish({ bucket: 3, closed: true });
    for (const client of [resumed, withHistory]) {
      await client.until(() => candlesOf(client).some(([time]) => time === last.payload.candle.time), 5000, 'the final of bucket 3');
      expect(candlesOf(client).map(([time, closed]) => [time - t0, closed])).toEqual([
        [1000, true],
        [2000, true],
        [3000, true],
      ]);
    }
  });

  it('refuses a non-boolean closedOnly, and closedOnly with flat', async () => {
    const { harness, token } = stream();
    const client = await harness.connectReady(await harness.createKey('free', 'refused'));
    client.send({ tokenAddress: token.tokenAddress, timeframe: 1, closedOnly: 'yes' });
    expect(await client.nextJson()).toMatchObject({ type: 'error', code: 'INVALID_PAYLOAD' });
    client.send({ tokenAddress: token.tokenAddress, timeframe: 1, closedOnly: true, flat: true });
    expect(await client.nextJson()).toMatchObject({ type: 'error', code: 'INVALID_PAYLOAD' });
  });
});

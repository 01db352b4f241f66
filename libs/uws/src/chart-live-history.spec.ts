import type { Envelope } from '@mdg/bus';
import { SeededRandom } from '@mdg/feeds';
import type { CandleUpdate, TokenInstrument } from '@mdg/model';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { ChartLiveHarness, type CandleSpec } from './testing/chart-live-harness';
import { memoryHistoryBackend, redisHistoryBackend, type HistoryBackend, type HistoryBackendOptions } from './testing/history-backend';
import type { ServerJson, TestClient } from './testing/test-client';

/** 2025-04-30T15:16:00Z: the harness's bucket 0. */
const BASE = 1746026160000;

/** Every final a client was given for one stream, in the order it got them: history candles, closed chart events (recovered ones included). */
function finalsOf(client: TestClient, tokenAddress: string, timeframe: number): number[] {
  const times: number[] = [];
  for (const text of client.texts) {
    const message = JSON.parse(text);
    if (message.tokenAddress !== tokenAddress || message.timeframe !== timeframe) continue;
    if (message.event === 'history') times.push(...message.candles.map((candle: { time: number }) => candle.time));
    if (message.event === 'chart' && message.candle.closed) times.push(message.candle.time);
  }
  return times;
}

function historyEventsOf(client: TestClient): ServerJson[] {
  return client.texts.map((text) => JSON.parse(text)).filter((message) => message.event === 'history');
}

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});

const backends: [string, (options?: HistoryBackendOptions) => Promise<HistoryBackend>][] = [
  ['the memory store (embedded)', async (options) => memoryHistoryBackend(options)],
  ['Redis and BullMQ', async (options) => redisHistoryBackend(redis.url, uniquePrefix('chart-history'), options)],
];

describe.each(backends)('chart-live history and since, with %s', (_name, openBackend) => {
  let harness: ChartLiveHarness;
  let backend: HistoryBackend;
  let token: TokenInstrument;
  const errors: Error[] = [];

  async function start(options: HistoryBackendOptions = {}): Promise<void> {
    backend = await openBackend({ onError: (error) => errors.push(error), ...options });
    harness = await ChartLiveHarness.start({ history: backend.history });
    token = harness.token(0);
  }

  afterEach(async () => {
    await harness.close();
    await backend.close();
    expect(errors).toEqual([]);
    errors.length = 0;
  });

  /** As the engine does: publish on the bus, then hand the finals to the queue. */
  function publish(timeframe: number, spec: CandleSpec = {}): Envelope<CandleUpdate> {
    const envelope = harness.publish(token, timeframe, spec);
    backend.queue.enqueue([envelope.payload]);
    return envelope;
  }

  /** `count` buckets: an open state, then the final. Returns the finals' times. */
  function publishBuckets(timeframe: number, count: number): number[] {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      publish(timeframe);
      times.push(publish(timeframe, { closed: true }).payload.candle.time);
    }
    return times;
  }

  async function client(): Promise<TestClient> {
    return harness.connectReady(await harness.createKey('free', `user-${Math.random()}`));
  }

  it('leaves a base subscription exactly as it was: no history event, the current candle, then live', async () => {
    await start();
    publishBuckets(60, 3);
    const open = publish(60);
    const ws = await client();
    ws.send({ tokenAddress: token.tokenAddress, timeframe: 60 });
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    expect(await ws.nextJson()).toMatchObject({ event: 'chart', seq: open.seq });
    publish(60, { closed: true });
    expect(await ws.nextJson()).toMatchObject({ event: 'chart', candle: { closed: true } });
    expect(historyEventsOf(ws)).toEqual([]);
  });

  it('sends the confirmation, exactly one history event with the last N finals, then live candles', async () => {
    await start();
    const finals = publishBuckets(60, 8);
    await backend.settle();
    const ws = await client();
    ws.send({ tokenAddress: token.tokenAddress, timeframe: 60, history: 5, id: 'h1' });
    expect(await ws.nextJson()).toEqual({ type: 'subscriptionConfirmed', message: `Subscribed to ${token.tokenAddress} with 60s timeframe`, id: 'h1' });
    const history = await ws.nextJson();
    expect(Object.keys(history)).toEqual(['event', 'tokenAddress', 'timeframe', 'candles', 'complete']);
    expect(history).toMatchObject({ event: 'history', tokenAddress: token.tokenAddress, timeframe: 60, complete: true });
    expect(history.candles.map((candle: { time: number }) => candle.time)).toEqual(finals.slice(3));
    for (const candle of history.candles) {
      expect(Object.keys(candle)).toEqual(['time', 'datetime', 'open', 'high', 'low', 'close', 'volume', 'volumeUsd', 'trades', 'buys', 'sells', 'closed']);
      expect(candle.datetime).toBe(new Date(candle.time).toISOString());
      expect(candle.closed).toBe(true);
    }
    const live = publish(60);
    expect(await ws.nextJson()).toMatchObject({ event: 'chart', seq: live.seq, candle: { time: finals.at(-1)! + 60_000, closed: false } });
    publish(60, { closed: true });
    expect(await ws.nextJson()).toMatchObject({ event: 'chart', candle: { time: finals.at(-1)! + 60_000, closed: true } });
    expect(historyEventsOf(ws)).toHaveLength(1);
  });

  it('lets a bot that reconnects with since get exactly the finals it missed, then live', async () => {
    await start();
    const first = await client();
    first.send({ tokenAddress: token.tokenAddress, timeframe: 1, history: 10 });
    publishBuckets(1, 4);
    await eventually(() => finalsOf(first, token.tokenAddress, 1).length === 4, { what: 'four finals' });
    const seen = finalsOf(first, token.tokenAddress, 1);
    await first.close();

    const missed = publishBuckets(1, 6);
    publish(1); // an open candle of the next bucket
    const again = await client();
    again.send({ tokenAddress: token.tokenAddress, timeframe: 1, since: seen.at(-1) });
    expect((await again.nextJson()).type).toBe('subscriptionConfirmed');
    const history = await again.nextJson();
    expect(history).toMatchObject({ event: 'history', complete: true });
    const next = publish(1, { closed: true }).payload.candle.time;
    await eventually(() => finalsOf(again, token.tokenAddress, 1).at(-1) === next, { what: 'the next live final' });
    // Whatever the store had written when it was read, the seam fills the rest in: all six, once.
    expect(finalsOf(again, token.tokenAddress, 1)).toEqual([...missed, next]);
    expect([...seen, ...finalsOf(again, token.tokenAddress, 1)]).toEqual(Array.from({ length: 11 }, (_, i) => seen[0]! + i * 1000));
  });

  it('says complete:false when since reaches back past retention', async () => {
    await start({ retention: { 1: 5_000 } });
    const times = publishBuckets(1, 20);
    await backend.settle();
    await backend.store.prune(times.at(-1)! + 1000);
    const ws = await client();
    ws.send({ tokenAddress: token.tokenAddress, timeframe: 1, since: times[2] });
    await ws.nextJson();
    const history = await ws.nextJson();
    expect(history.candles.map((candle: { time: number }) => candle.time)).toEqual(times.slice(15));
    expect(history.complete).toBe(false);
    // Within retention the same stream answers complete.
    ws.send({ tokenAddress: token.tokenAddress, timeframe: 1, since: times[16] });
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    const other = await client();
    other.send({ tokenAddress: token.tokenAddress, timeframe: 1, since: times[16] });
    await other.nextJson();
    expect(await other.nextJson()).toMatchObject({ event: 'history', complete: true });
  });

  it('refuses invalid history and since values with INVALID_HISTORY and keeps the connection', async () => {
    await start();
    const ws = await client();
    ws.send({ tokenAddress: token.tokenAddress, history: 1001, id: 1 });
    expect(await ws.nextJson()).toEqual({
      type: 'error',
      code: 'INVALID_HISTORY',
      message: 'Invalid history value: 1001; history must be an integer from 1 to 1000',
      id: 1,
    });
    ws.send({ tokenAddress: token.tokenAddress, since: 'yesterday' });
    expect(await ws.nextJson()).toMatchObject({ type: 'error', code: 'INVALID_HISTORY' });
    expect(harness.endpoint.stats().subscriptions).toBe(0);
    ws.send({ tokenAddress: token.tokenAddress, history: 3 });
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    expect(await ws.nextJson()).toMatchObject({ event: 'history', candles: [], complete: true });
    expect(ws.isClosed).toBe(false);
  });

  it('joins history and live under load: every client gets each final exactly once, in order', async () => {
    await start();
    const random = new SeededRandom(5);
    const clients = await Promise.all(Array.from({ length: 8 }, () => client()));
    const subscribeAt = clients.map(() => 5 + random.integer(150));
    const published: number[] = [];
    for (let step = 0; step < 200; step++) {
      for (const [index, at] of subscribeAt.entries()) {
        if (at === step) clients[index]!.send({ tokenAddress: token.tokenAddress, timeframe: 1, history: 1 + random.integer(100) });
      }
      publish(1);
      if (step % 2 === 1) published.push(publish(1, { closed: true }).payload.candle.time);
      // Let the sockets, the queue and the worker run now and then, as timers would; sometimes
      // long enough for the store to catch up, mostly not (the seam then recovers from it).
      if (step % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
      if (step % 25 === 0) await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const last = published.at(-1)!;
    await eventually(() => clients.every((one) => finalsOf(one, token.tokenAddress, 1).at(-1) === last), {
      what: 'every client at the last final',
      timeoutMs: 15_000,
    });
    for (const one of clients) {
      const finals = finalsOf(one, token.tokenAddress, 1);
      const from = published.indexOf(finals[0]!);
      expect(from).toBeGreaterThanOrEqual(0);
      expect(finals).toEqual(published.slice(from));
      expect(historyEventsOf(one)).toHaveLength(1);
      expect(one.texts.some((text) => text.includes('HISTORY_GAP'))).toBe(false);
    }
    expect(backend.history.stats()).toMatchObject({ answers: 8, gaps: 0, open: 0 });
  });
});

describe('chart-live history seam edge cases (memory store)', () => {
  let harness: ChartLiveHarness;
  let backend: HistoryBackend;
  afterEach(async () => {
    await harness.close();
    await backend.close();
  });

  it('sends HISTORY_GAP before the live final it cannot join, then goes live on the topic', async () => {
    backend = memoryHistoryBackend({ history: { seamTimeoutMs: 200 } });
    harness = await ChartLiveHarness.start({ history: backend.history });
    const token = harness.token(0);
    const ws = await harness.connectReady();
    // Three finals stored, then two published but never stored (a queue that dropped them).
    for (let i = 0; i < 3; i++) backend.queue.enqueue([harness.publish(token, 1, { closed: true }).payload]);
    harness.publish(token, 1, { closed: true });
    // The stream's current envelope, handed to the seam at subscribe: not next to the history's
    // newest final, and the store can never show what links them.
    const anchor = harness.publish(token, 1, { closed: true });
    ws.send({ tokenAddress: token.tokenAddress, timeframe: 1, history: 10, id: 'g' });
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    expect((await ws.nextJson()).candles).toHaveLength(3);
    const gap = await ws.nextJson();
    expect(gap).toMatchObject({ type: 'error', code: 'HISTORY_GAP', id: 'g' });
    expect(gap.message).toMatch(
      /^History gap: final 1s candles of .* after .* and before .* could not be recovered and may be missing; resubscribe with "since" to check$/,
    );
    expect(await ws.nextJson()).toMatchObject({ event: 'chart', seq: anchor.seq });
    // Settled: later envelopes come through the topic, once each.
    const next = harness.publish(token, 1);
    expect(await ws.nextJson()).toMatchObject({ event: 'chart', seq: next.seq });
    harness.publish(token, 1, { closed: true });
    expect(await ws.nextJson()).toMatchObject({ event: 'chart', seq: next.seq + 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ws.unread).toBe(0);
    expect(backend.history.stats()).toMatchObject({ gaps: 1, open: 0 });
  });

  it('cancels a seam still waiting for the store when its subscription or connection goes', async () => {
    backend = memoryHistoryBackend({ history: { seamTimeoutMs: 60_000 } });
    harness = await ChartLiveHarness.start({ history: backend.history });
    const token = harness.token(0);
    const [a, b] = [await harness.connectReady(), await harness.connectReady(await harness.createKey('free', 'other'))];
    for (const ws of [a, b]) {
      ws.send({ tokenAddress: token.tokenAddress, timeframe: 1, history: 5 });
      expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
      expect((await ws.nextJson()).event).toBe('history');
    }
    // Finals the store never gets: both seams hold them and wait.
    harness.publish(token, 1, { closed: true, bucket: 3 });
    harness.publish(token, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(backend.history.stats().open).toBe(2);
    expect(a.unread + b.unread).toBe(0);
    a.send({ type: 'unsubscribe', tokenAddress: token.tokenAddress, timeframe: 1 });
    expect((await a.nextJson()).type).toBe('unsubscribed');
    await b.close();
    await eventually(() => backend.history.stats().open === 0, { what: 'both seams cancelled' });
    expect(harness.endpoint.stats()).toMatchObject({ subscriptions: 0, streams: 0 });
  });
});

describe('chart-live history with a lower cap', () => {
  it("refuses a history count above the service's maxHistory before subscribing", async () => {
    const backend = memoryHistoryBackend({ history: { maxHistory: 50 } });
    const harness = await ChartLiveHarness.start({ history: backend.history });
    try {
      const ws = await harness.connectReady();
      ws.send({ tokenAddress: harness.token(0).tokenAddress, history: 51 });
      expect(await ws.nextJson()).toMatchObject({
        type: 'error',
        code: 'INVALID_HISTORY',
        message: 'Invalid history value: 51; history must be an integer from 1 to 50',
      });
      expect(harness.endpoint.stats().subscriptions).toBe(0);
    } finally {
      await harness.close();
      await backend.close();
    }
  });
});

describe('chart-live history on a node without a history service', () => {
  it('refuses history and since with INVALID_HISTORY instead of silently serving live only', async () => {
    const harness = await ChartLiveHarness.start();
    try {
      const token = harness.token(0);
      const ws = await harness.connectReady();
      ws.send({ tokenAddress: token.tokenAddress, since: BASE, id: 'x' });
      expect(await ws.nextJson()).toEqual({
        type: 'error',
        code: 'INVALID_HISTORY',
        message: 'History not available: this node keeps no candle history; subscribe without "history" and "since"',
        id: 'x',
      });
      expect(harness.endpoint.stats().subscriptions).toBe(0);
      ws.send({ tokenAddress: token.tokenAddress });
      expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    } finally {
      await harness.close();
    }
  });
});

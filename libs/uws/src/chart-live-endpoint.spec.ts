import { TIMEFRAMES } from '@mdg/model';
import { ChartLiveHarness } from './testing/chart-live-harness';
import { TestClient } from './testing/test-client';
import { eventually } from '@mdg/testing';

const CONNECTED_TEXT =
  '{"type":"connected","message":"Connected to ChartLive WebSocket. Send a JSON object with \\"tokenAddress\\" and optional \\"timeframe\\"."}';

describe('ChartLiveEndpoint: the base protocol and its extensions', () => {
  let harness: ChartLiveHarness;
  beforeEach(async () => {
    harness = await ChartLiveHarness.start();
  });
  afterEach(async () => {
    await harness.close();
  });

  it('serves the documented JavaScript ws example exactly', async () => {
    const apiKey = await harness.createKey('free');
    const token = harness.token(0);
    // As in the docs: the key in the x-api-key header, the subscription sent on open.
    const ws = await TestClient.open(harness.url(), { 'x-api-key': apiKey });
    expect(await ws.next()).toBe(CONNECTED_TEXT);
    ws.send(JSON.stringify({ tokenAddress: token.tokenAddress, timeframe: 60 }));
    expect(await ws.next()).toBe(`{"type":"subscriptionConfirmed","message":"Subscribed to ${token.tokenAddress} with 60s timeframe"}`);

    const published = [harness.publish(token, 60), harness.publish(token, 60, { closed: true }), harness.publish(token, 60)];
    const events = [await ws.nextJson(), await ws.nextJson(), await ws.nextJson()];
    for (const [index, event] of events.entries()) {
      const envelope = published[index]!;
      expect(Object.keys(event)).toEqual(['event', 'tokenAddress', 'quoteToken', 'timeframe', 'candle', 'seq', 'epoch']);
      expect(Object.keys(event.candle)).toEqual([
        'time',
        'datetime',
        'open',
        'high',
        'low',
        'close',
        'volume',
        'volumeUsd',
        'trades',
        'buys',
        'sells',
        'closed',
      ]);
      expect(event).toMatchObject({
        event: 'chart',
        tokenAddress: token.tokenAddress,
        quoteToken: 'So11111111111111111111111111111111111111112',
        timeframe: 60,
        seq: envelope.seq,
        epoch: envelope.epoch,
      });
      for (const field of ['time', 'open', 'high', 'low', 'close', 'volume', 'volumeUsd', 'trades', 'buys', 'sells'])
        expect(typeof event.candle[field]).toBe('number');
      expect(event.candle.closed).toBe(envelope.payload.closed);
      expect(event.candle.time % 60_000).toBe(0);
      expect(event.candle.datetime).toBe(new Date(event.candle.time).toISOString());
      expect(event.candle.buys + event.candle.sells).toBe(event.candle.trades);
      expect(event.candle).toMatchObject(envelope.payload.candle);
    }
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3]);
    // After the final, the next bucket starts.
    expect(events[2].candle.time).toBe(events[1].candle.time + 60_000);
    expect(ws.isClosed).toBe(false);
    // Accounting matches the wire: connected + confirmation + 3 events.
    const stats = harness.endpoint.stats();
    expect(stats.messagesSent).toBe(5);
    expect(stats.bytesSent).toBe(ws.texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0));
  });

  it('defaults the timeframe to 60', async () => {
    const ws = await harness.connectReady();
    const token = harness.token(1);
    ws.send({ tokenAddress: token.tokenAddress });
    expect(await ws.next()).toBe(`{"type":"subscriptionConfirmed","message":"Subscribed to ${token.tokenAddress} with 60s timeframe"}`);
    // The same stream as an explicit 60: confirmed, not doubled.
    ws.send({ tokenAddress: token.tokenAddress, timeframe: 60 });
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    harness.publish(token, 60);
    expect(await ws.nextJson()).toMatchObject({ timeframe: 60, tokenAddress: token.tokenAddress, seq: 1 });
    expect(harness.endpoint.stats().subscriptions).toBe(1);
  });

  it('answers each of the five documented errors with its exact prefix and code, and stays open', async () => {
    const ws = await harness.connectReady();
    const cases: [unknown, string, string][] = [
      ['not json', 'Invalid JSON format', 'INVALID_JSON'],
      ['[1,2]', 'Invalid JSON format', 'INVALID_JSON'],
      ['"a string"', 'Invalid JSON format', 'INVALID_JSON'],
      [{ timeframe: 60 }, 'Missing tokenAddress in subscription message', 'MISSING_TOKEN'],
      [{ tokenAddress: harness.token(0).tokenAddress, timeframe: 7 }, 'Invalid timeframe value', 'INVALID_TIMEFRAME'],
      [{ tokenAddress: harness.token(0).tokenAddress, timeframe: '60' }, 'Invalid timeframe value', 'INVALID_TIMEFRAME'],
      [{ tokenAddress: 'So11111111111111111111111111111111111111112' }, 'Token not found or not tracked', 'TOKEN_NOT_TRACKED'],
    ];
    for (const [message, prefix, code] of cases) {
      ws.send(message);
      const error = await ws.nextJson();
      expect(error.type).toBe('error');
      expect(error.message.startsWith(prefix)).toBe(true);
      expect(error.code).toBe(code);
      expect(Object.keys(error)).toEqual(['type', 'message', 'code']);
    }
    // The timeframe error lists the supported timeframes.
    ws.send({ tokenAddress: harness.token(0).tokenAddress, timeframe: 2 });
    expect((await ws.nextJson()).message).toContain(TIMEFRAMES.join(', '));
    // Still open and serving (9 messages: within the rate limit).
    ws.send({ tokenAddress: harness.token(0).tokenAddress });
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    expect(ws.isClosed).toBe(false);
    expect(harness.endpoint.stats().errors).toMatchObject({ INVALID_JSON: 3, MISSING_TOKEN: 1, INVALID_TIMEFRAME: 3, TOKEN_NOT_TRACKED: 1 });
  });

  it('multiplexes several subscriptions on one connection; every event names its token and timeframe', async () => {
    const ws = await harness.connectReady();
    const [a, b] = [harness.token(0), harness.token(1)];
    const wanted: [typeof a, number][] = [
      [a, 60],
      [a, 1],
      [b, 300],
    ];
    for (const [token, timeframe] of wanted) {
      ws.send({ tokenAddress: token.tokenAddress, timeframe });
      expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    }
    harness.publish(b, 60); // not subscribed: never arrives
    for (const [token, timeframe] of wanted) harness.publish(token, timeframe);
    const events = [await ws.nextJson(), await ws.nextJson(), await ws.nextJson()];
    expect(events.map((event) => [event.tokenAddress, event.timeframe])).toEqual(wanted.map(([token, timeframe]) => [token.tokenAddress, timeframe]));
    expect(events.every((event) => event.candle.time % (event.timeframe * 1000) === 0)).toBe(true);
    ws.send({ type: 'ping' });
    expect((await ws.nextJson()).type).toBe('pong');
    expect(harness.endpoint.stats()).toMatchObject({ connections: 1, subscriptions: 3, streams: 3 });
  });

  it('treats a repeated subscription as idempotent: confirmed again, events not doubled', async () => {
    const ws = await harness.connectReady();
    const token = harness.token(2);
    for (let i = 0; i < 3; i++) {
      ws.send({ tokenAddress: token.tokenAddress, timeframe: 15 });
      expect(await ws.next()).toBe(`{"type":"subscriptionConfirmed","message":"Subscribed to ${token.tokenAddress} with 15s timeframe"}`);
    }
    harness.publish(token, 15);
    harness.publish(token, 15);
    expect((await ws.nextJson()).seq).toBe(1);
    expect((await ws.nextJson()).seq).toBe(2);
    ws.send({ type: 'ping' });
    expect((await ws.nextJson()).type).toBe('pong'); // nothing doubled in between
    expect(harness.endpoint.stats().subscriptions).toBe(1);
  });

  it('sends a late joiner the current candle at once, then live updates', async () => {
    const token = harness.token(3);
    const early = await harness.connectReady();
    early.send({ tokenAddress: token.tokenAddress, timeframe: 60 });
    await early.nextJson();
    harness.publish(token, 60);
    harness.publish(token, 60);
    expect((await early.nextJson()).seq).toBe(1);
    expect((await early.nextJson()).seq).toBe(2);

    const late = await harness.connectReady();
    late.send({ tokenAddress: token.tokenAddress, timeframe: 60 });
    expect((await late.nextJson()).type).toBe('subscriptionConfirmed');
    expect((await late.nextJson()).seq).toBe(2);
    harness.publish(token, 60);
    expect((await late.nextJson()).seq).toBe(3);
    expect((await early.nextJson()).seq).toBe(3);
  });

  it('sends a late joiner the bus snapshot when this node has not seen the stream yet', async () => {
    const token = harness.token(4);
    harness.publish(token, 300);
    harness.publish(token, 300);
    const first = await harness.connectReady();
    const second = await harness.connectReady();
    first.send({ tokenAddress: token.tokenAddress, timeframe: 300 });
    second.send({ tokenAddress: token.tokenAddress, timeframe: 300 });
    for (const ws of [first, second]) {
      expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
      expect((await ws.nextJson()).seq).toBe(2);
    }
    harness.publish(token, 300);
    expect((await first.nextJson()).seq).toBe(3);
    expect((await second.nextJson()).seq).toBe(3);
  });

  it('implements the unsubscribe and ping extensions', async () => {
    const ws = await harness.connectReady();
    const token = harness.token(0);
    ws.send({ tokenAddress: token.tokenAddress, timeframe: 5 });
    await ws.nextJson();
    ws.send({ type: 'unsubscribe', tokenAddress: token.tokenAddress, timeframe: 5 });
    expect(await ws.nextJson()).toEqual({
      type: 'unsubscribed',
      tokenAddress: token.tokenAddress,
      timeframe: 5,
      message: `Unsubscribed from ${token.tokenAddress} with 5s timeframe`,
    });
    harness.publish(token, 5);
    const before = Date.now();
    ws.send({ type: 'ping' });
    const pong = await ws.nextJson();
    expect(Object.keys(pong)).toEqual(['type', 'time']);
    expect(pong.type).toBe('pong');
    expect(pong.time).toBeGreaterThanOrEqual(before - 5);
    expect(pong.time).toBeLessThanOrEqual(Date.now() + 5);
    // Unsubscribing again is idempotent; an unknown token is still an error.
    ws.send({ type: 'unsubscribe', tokenAddress: token.tokenAddress, timeframe: 5 });
    expect((await ws.nextJson()).type).toBe('unsubscribed');
    ws.send({ type: 'unsubscribe', tokenAddress: 'nope' });
    expect((await ws.nextJson()).code).toBe('TOKEN_NOT_TRACKED');
    ws.send({ type: 'subscribe!' });
    expect((await ws.nextJson()).code).toBe('INVALID_PAYLOAD');
    expect(harness.endpoint.stats().subscriptions).toBe(0);
  });

  it('echoes a request id in confirmations, pongs, unsubscriptions and errors', async () => {
    const ws = await harness.connectReady();
    const token = harness.token(0);
    ws.send({ id: 'a1', tokenAddress: token.tokenAddress });
    expect(await ws.nextJson()).toEqual({ type: 'subscriptionConfirmed', message: `Subscribed to ${token.tokenAddress} with 60s timeframe`, id: 'a1' });
    ws.send({ id: 2, type: 'ping' });
    expect(await ws.nextJson()).toMatchObject({ type: 'pong', id: 2 });
    ws.send({ id: 'a3', type: 'unsubscribe', tokenAddress: token.tokenAddress });
    expect(await ws.nextJson()).toMatchObject({ type: 'unsubscribed', id: 'a3' });
    ws.send({ id: 'a4', tokenAddress: token.tokenAddress, timeframe: 61 });
    expect(await ws.nextJson()).toMatchObject({ type: 'error', code: 'INVALID_TIMEFRAME', id: 'a4' });
    ws.send({ id: 'a5' });
    expect(await ws.nextJson()).toMatchObject({ type: 'error', code: 'MISSING_TOKEN', id: 'a5' });
    ws.send({ id: { nested: true }, tokenAddress: token.tokenAddress });
    const bad = await ws.nextJson();
    expect(bad).toMatchObject({ type: 'error', code: 'INVALID_PAYLOAD' });
    expect(bad.id).toBeUndefined();
  });

  it('holds one hub listener per stream while any client subscribes it, and detaches after the last leaves', async () => {
    const token = harness.token(5);
    const [a, b] = [await harness.connectReady(), await harness.connectReady()];
    expect(harness.bus.subscribedStreamCount()).toBe(0);
    a.send({ tokenAddress: token.tokenAddress });
    b.send({ tokenAddress: token.tokenAddress });
    await a.nextJson();
    await b.nextJson();
    expect(harness.bus.subscribedStreamCount()).toBe(1);
    expect(harness.hub.stats().streams).toBe(1);

    a.send({ type: 'unsubscribe', tokenAddress: token.tokenAddress });
    await a.nextJson();
    expect(harness.bus.subscribedStreamCount()).toBe(1);
    harness.publish(token, 60);
    expect((await b.nextJson()).seq).toBe(1);

    await b.close(); // closing counts as leaving
    await eventually(() => harness.bus.subscribedStreamCount() === 0, { what: 'the hub listener to detach' });
    expect(harness.endpoint.stats()).toMatchObject({ streams: 0, subscriptions: 0, connections: 1 });
    expect(harness.hub.stats().streams).toBe(0);
    expect(a.unread).toBe(0);
  });

  it('reads a binary frame as UTF-8 text', async () => {
    const ws = await harness.connectReady();
    ws.socket.send(Buffer.from(JSON.stringify({ tokenAddress: harness.token(0).tokenAddress })), { binary: true });
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
  });
});

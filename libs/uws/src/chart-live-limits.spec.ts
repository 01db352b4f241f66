import { ManualClock, TIMEFRAMES } from '@mdg/model';
import { ChartLiveHarness } from './testing/chart-live-harness';
import { eventually } from '@mdg/testing';

describe('ChartLiveEndpoint: per-connection limits', () => {
  let harness: ChartLiveHarness;
  afterEach(async () => {
    await harness.close();
  });

  it('answers the 11th message within one second with RATE_LIMITED and keeps serving the next second', async () => {
    // A fixed clock puts every message in the same one-second window, whatever the machine's speed.
    const clock = new ManualClock(1_700_000_000_000);
    harness = await ChartLiveHarness.start({ options: { clock } });
    const ws = await harness.connectReady();
    for (let i = 1; i <= 11; i++) ws.send({ type: 'ping', id: i });
    for (let i = 1; i <= 10; i++) expect(await ws.nextJson()).toEqual({ type: 'pong', time: 1_700_000_000_000, id: i });
    const limited = await ws.nextJson();
    expect(limited).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    expect(limited.message).toBe('Rate limit exceeded: at most 10 messages per second; this message was ignored');
    expect(limited.id).toBeUndefined(); // the message was not even read

    clock.advance(1000);
    ws.send({ type: 'ping', id: 'next-second' });
    expect(await ws.nextJson()).toMatchObject({ type: 'pong', id: 'next-second' });
    expect(ws.isClosed).toBe(false);
    expect(harness.endpoint.stats().errors.RATE_LIMITED).toBe(1);
  });

  it('closes a flooding connection with 4429 after telling it why', async () => {
    harness = await ChartLiveHarness.start({ options: { clock: new ManualClock(1_700_000_000_000) } });
    const ws = await harness.connectReady();
    for (let i = 0; i < 40; i++) ws.send({ type: 'ping' });
    const closed = await ws.closed;
    expect(closed).toEqual({ code: 4429, reason: 'Limit exceeded' });
    const replies = ws.texts.slice(1).map((text) => JSON.parse(text));
    expect(replies.filter((reply) => reply.type === 'pong')).toHaveLength(10);
    expect(replies.at(-1)).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    expect(harness.endpoint.stats().connectionsClosed.limit_exceeded).toBe(1);
  });

  it('closes a connection over budget for three consecutive seconds with 4429', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    harness = await ChartLiveHarness.start({ options: { clock } });
    const ws = await harness.connectReady();
    for (let second = 0; second < 3; second++) {
      for (let i = 0; i < 12; i++) ws.send({ type: 'ping' });
      await ws.until(() => ws.texts.length >= 1 + 12 * (second + 1) || ws.isClosed, 5000, `second ${second}`);
      clock.advance(1000);
    }
    expect((await ws.closed).code).toBe(4429);
  });

  it('refuses the 51st subscription with TOO_MANY_SUBSCRIPTIONS, and accepts one again after an unsubscribe', async () => {
    harness = await ChartLiveHarness.start({ options: { inboundMessagesPerSecond: 1000 } });
    const ws = await harness.connectReady();
    const streams = harness.registry.tokens().flatMap((token) => TIMEFRAMES.map((timeframe) => ({ tokenAddress: token.tokenAddress, timeframe })));
    expect(streams.length).toBeGreaterThan(51);
    for (const subscription of streams.slice(0, 50)) ws.send(subscription);
    for (let i = 0; i < 50; i++) expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    ws.send({ ...streams[50], id: 51 });
    const error = await ws.nextJson();
    expect(error).toEqual({
      type: 'error',
      message: 'Too many subscriptions: at most 50 per connection; unsubscribe from one first',
      code: 'TOO_MANY_SUBSCRIPTIONS',
      id: 51,
    });
    // Re-subscribing an existing stream is still fine at the limit.
    ws.send(streams[0]);
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    ws.send({ type: 'unsubscribe', ...streams[0] });
    expect((await ws.nextJson()).type).toBe('unsubscribed');
    ws.send(streams[50]);
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    expect(harness.endpoint.stats()).toMatchObject({ subscriptions: 50, streams: 50 });
    expect(harness.bus.subscribedStreamCount()).toBe(50);
  });

  it('answers a 5 KiB message with MESSAGE_TOO_LARGE and stays open', async () => {
    harness = await ChartLiveHarness.start();
    const ws = await harness.connectReady();
    ws.send({ tokenAddress: harness.token(0).tokenAddress, padding: 'x'.repeat(5 * 1024) });
    expect(await ws.nextJson()).toEqual({
      type: 'error',
      message: 'Message too large: at most 4096 bytes; this message was ignored',
      code: 'MESSAGE_TOO_LARGE',
    });
    ws.send({ tokenAddress: harness.token(0).tokenAddress });
    expect((await ws.nextJson()).type).toBe('subscriptionConfirmed');
    expect(ws.isClosed).toBe(false);
  });

  it('leaves messages beyond maxPayloadLength (64 KiB) to uWS, which drops the connection', async () => {
    harness = await ChartLiveHarness.start();
    const ws = await harness.connectReady();
    ws.send('x'.repeat(65 * 1024));
    // uWS closes the TCP connection without a close frame: the client sees 1006.
    expect((await ws.closed).code).toBe(1006);
    await eventually(() => harness.endpoint.stats().connections === 0, { what: 'the server-side cleanup' });
  });

  it('serves every supported timeframe with buckets aligned to it', async () => {
    harness = await ChartLiveHarness.start({ options: { inboundMessagesPerSecond: 100 } });
    const ws = await harness.connectReady();
    const token = harness.token(6);
    for (const timeframe of TIMEFRAMES) {
      ws.send({ tokenAddress: token.tokenAddress, timeframe });
      expect(await ws.nextJson()).toEqual({ type: 'subscriptionConfirmed', message: `Subscribed to ${token.tokenAddress} with ${timeframe}s timeframe` });
    }
    for (const timeframe of TIMEFRAMES) harness.publish(token, timeframe, { bucket: 7 });
    for (const timeframe of TIMEFRAMES) {
      const event = await ws.nextJson();
      expect(event.timeframe).toBe(timeframe);
      expect(event.candle.time % (timeframe * 1000)).toBe(0);
      expect(event.candle.datetime).toBe(new Date(event.candle.time).toISOString());
    }
  });
});

import { ManualIntervalTimer } from '@mdg/feeds';
import { ManualClock, type CandleUpdate } from '@mdg/model';
import type { Envelope } from '@mdg/bus';
import { ChartLiveHarness } from './testing/chart-live-harness';
import type { TestClient } from './testing/test-client';
import { eventually } from '@mdg/testing';

const SOFT = 128 * 1024;
/** Small enough that a client reading at full speed never has a batch's worth buffered above SOFT. */
const BATCH = 100;
const FINAL_EVERY = 200;
const MAX_ENVELOPES = 200_000;

function seqsOf(client: TestClient): number[] {
  return client.texts
    .map((text) => JSON.parse(text))
    .filter((message) => message.event === 'chart')
    .map((message) => message.seq as number);
}

function lastSeq(client: TestClient): number {
  for (let index = client.texts.length - 1; index >= 0; index--) {
    const message = JSON.parse(client.texts[index]!);
    if (message.event === 'chart') return message.seq;
  }
  return 0;
}

describe('ChartLiveEndpoint: slow consumers', () => {
  let harness: ChartLiveHarness;
  /**
   * Slow-client deadlines and the periodic check run on these, never on wall time: a test
   * steps them by hand (the drain event still resumes a client that reads again at once).
   */
  let clock: ManualClock;
  let timer: ManualIntervalTimer;
  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    timer = new ManualIntervalTimer();
  });
  afterEach(async () => {
    await harness.close();
  });

  /** Two subscribers of one stream; returns them and a publisher that keeps `normal` caught up. */
  async function twoSubscribers(): Promise<{
    normal: TestClient;
    slow: TestClient;
    publishBatch: (count: number) => Promise<void>;
    published: Envelope<CandleUpdate>[];
  }> {
    const token = harness.token(0);
    const normal = await harness.connectReady();
    const slow = await harness.connectReady();
    for (const client of [normal, slow]) {
      client.send({ tokenAddress: token.tokenAddress, timeframe: 1 });
      expect((await client.nextJson()).type).toBe('subscriptionConfirmed');
    }
    const published: Envelope<CandleUpdate>[] = [];
    const publishBatch = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const seq = published.length + 1;
        published.push(harness.publish(token, 1, { closed: seq % FINAL_EVERY === 0 }));
      }
      // Yield until the normal client has read everything: it is fast, only the loop is shared.
      const target = published.length;
      await normal.until(() => lastSeq(normal) >= target, 10_000, `the normal client to read seq ${target}`);
    };
    return { normal, slow, publishBatch, published };
  }

  // A stream most connections share is checked once per 32 KiB published over all connections; a
  // narrow one (here 2 of 18 connections) checks its own members on every publish: both must conflate.
  it.each([
    ['a wide stream', 0],
    ['a narrow stream', 16],
  ])('conflates a client that stops reading (%s), then catches it up with every missed final and the latest candle', async (_, idleConnections) => {
    harness = await ChartLiveHarness.start({
      options: { softBackpressureBytes: SOFT, hardBackpressureBytes: 64 * 1024 * 1024, slowConsumerTimeoutMs: 300, finalsKeptPerStream: 64, clock, timer },
    });
    for (let i = 0; i < idleConnections; i++) await harness.connectReady(await harness.createKey('free', `idle-${i}`));
    const { normal, slow, publishBatch, published } = await twoSubscribers();

    slow.pause();
    while (harness.endpoint.stats().slowClients === 0) {
      if (published.length > MAX_ENVELOPES) throw new Error('the paused client was never found slow');
      await publishBatch(BATCH);
    }
    const slowAt = published.length;
    // Well past the hub's window of 16 envelopes: the finals come from the endpoint's own ring.
    for (let i = 0; i < 30; i++) await publishBatch(BATCH);
    // However long it stays slow on the wall clock, the deadline is on the endpoint's clock.
    clock.advance(300);
    timer.tick();
    expect(harness.endpoint.stats().slowClients).toBe(1);

    slow.resume();
    const last = published.length;
    await slow.until(() => lastSeq(slow) === last, 20_000, `the slow client to catch up to seq ${last}`);
    // Resumed by uWS's drain event, or else by the periodic check (stepped here).
    await eventually(
      () => {
        timer.tick();
        return harness.endpoint.stats().slowClients === 0;
      },
      { what: 'the slow client to go live again' },
    );
    await publishBatch(10);
    await slow.until(() => lastSeq(slow) === published.length, 5000, 'live updates after the catch-up');

    // The normal client got every update, in order.
    expect(seqsOf(normal)).toEqual(published.map((envelope) => envelope.seq));
    // The slow one: never an older state after a newer one, every final, a seq jump where updates were merged.
    const slowSeqs = seqsOf(slow);
    for (let i = 1; i < slowSeqs.length; i++) expect(slowSeqs[i]!).toBeGreaterThan(slowSeqs[i - 1]!);
    const finals = published.filter((envelope) => envelope.payload.closed).map((envelope) => envelope.seq);
    const received = new Set(slowSeqs);
    expect(finals.filter((seq) => !received.has(seq))).toEqual([]);
    // The catch-up obeys the order rule: times never go back, a newer bucket only after the previous one's final.
    const slowCandles = slow.texts
      .map((text) => JSON.parse(text))
      .filter((message) => message.event === 'chart')
      .map((message) => message.candle as { time: number; closed: boolean });
    for (let i = 1; i < slowCandles.length; i++) {
      expect(slowCandles[i]!.time).toBeGreaterThanOrEqual(slowCandles[i - 1]!.time);
      if (slowCandles[i]!.time > slowCandles[i - 1]!.time) expect(slowCandles[i - 1]!.closed).toBe(true);
    }
    expect(slowSeqs.at(-1)).toBe(published.length);
    expect(slowSeqs.length).toBeLessThan(published.length);
    const stats = harness.endpoint.stats();
    // Every update it did not get is accounted for as conflated: nothing vanished silently.
    expect(stats.conflatedUpdates).toBe(published.length - slowSeqs.length);
    expect(stats).toMatchObject({ resyncs: 1, connectionsClosed: { slow_consumer: 0 }, incompleteCatchUps: 0, connections: 2 + idleConnections });
    // Bounded: the server never buffered much more than the soft limit for anyone.
    expect(stats.peakBufferedBytes).toBeLessThan(SOFT + 64 * 1024);
    expect(slow.isClosed).toBe(false);
    // Up to the moment it was found slow it got everything, in order.
    const firstJump = slowSeqs.findIndex((seq, index) => seq !== index + 1);
    expect(firstJump).toBeGreaterThan(0);
    expect(firstJump).toBeLessThanOrEqual(slowAt);
  });

  it('closes a client that stays slow too long with 4008 (reconnectable), without disturbing the others', async () => {
    harness = await ChartLiveHarness.start({
      options: { softBackpressureBytes: SOFT, hardBackpressureBytes: 64 * 1024 * 1024, slowConsumerTimeoutMs: 300, clock, timer },
    });
    const { normal, slow, publishBatch, published } = await twoSubscribers();
    const slowKeyUser = 'user-free';

    slow.pause();
    while (harness.endpoint.stats().slowClients === 0) {
      if (published.length > MAX_ENVELOPES) throw new Error('the paused client was never found slow');
      await publishBatch(BATCH);
    }
    // At the deadline it is still given a chance; past it, the next check closes it.
    clock.advance(300);
    timer.tick();
    expect(harness.endpoint.stats()).toMatchObject({ slowClients: 1, connectionsClosed: { slow_consumer: 0 } });
    clock.advance(1);
    timer.tick();
    expect(harness.endpoint.stats()).toMatchObject({ slowClients: 0, connectionsClosed: { slow_consumer: 1 } });
    slow.resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'Slow consumer' });
    // What it did get is a prefix of the stream, in order, nothing dropped in between.
    const slowSeqs = seqsOf(slow);
    expect(slowSeqs).toEqual(published.slice(0, slowSeqs.length).map((envelope) => envelope.seq));

    await publishBatch(10);
    expect(seqsOf(normal)).toEqual(published.map((envelope) => envelope.seq));
    const stats = harness.endpoint.stats();
    expect(stats).toMatchObject({ connections: 1, slowClients: 0, subscriptions: 1, connectionsClosed: { slow_consumer: 1 } });
    expect(stats.peakBufferedBytes).toBeLessThan(SOFT + 64 * 1024);
    await eventually(async () => (await harness.connections.count(slowKeyUser, 'chart-live')) === 1, { what: 'the slow client slot release' });
  });

  it('closes a client whose replies pile up above the hard limit with 4008, and the close frame still arrives', async () => {
    const hard = 256 * 1024;
    harness = await ChartLiveHarness.start({
      options: { softBackpressureBytes: 64 * 1024, hardBackpressureBytes: hard, inboundMessagesPerSecond: 1_000_000 },
    });
    const client = await harness.connectReady();
    client.pause();
    const id = 'i'.repeat(128);
    // Pongs it never reads: first the kernel buffers fill, then uWS's, up to the hard limit.
    for (let sent = 0; harness.endpoint.stats().connectionsClosed.slow_consumer === 0; sent += 1000) {
      if (sent > 400_000) throw new Error('the hard limit was never reached');
      for (let i = 0; i < 1000; i++) client.send({ type: 'ping', id });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    client.resume();
    expect(await client.closed).toEqual({ code: 4008, reason: 'Slow consumer' });
    const stats = harness.endpoint.stats();
    expect(stats.peakBufferedBytes).toBeGreaterThan(hard);
    expect(stats.peakBufferedBytes).toBeLessThan(hard + 64 * 1024);
    expect(stats.connections).toBe(0);
  });
});

import { InstrumentRegistry, InvalidConfigError, InvalidFeedInputError, VenueConnectionError, VenueStaleError } from '@mdg/model';
import WebSocket from 'ws';
import { BinanceTradeFeed, type BinanceTradeFeedOptions } from './binance-trade-feed';
import type { VenueConnectionEvent } from './venue-connection-event';
import { FakeBinanceServer } from './testing/fake-binance-server';
import { FeedCollector, steadyEmitter } from './testing/feed-collector';
import { sleep } from './testing/sleep';
import { eventually } from '@mdg/testing';
import { describeFeedContract } from '@mdg/feeds/testing';

const registry = new InstrumentRegistry();
const BTC_ETH = ['btcusdt@trade', 'ethusdt@trade'];

let fake: FakeBinanceServer;
let feed: BinanceTradeFeed | undefined;
let stopEmitter: (() => void) | undefined;

afterEach(async () => {
  stopEmitter?.();
  stopEmitter = undefined;
  await feed?.stop();
  feed = undefined;
  await fake?.close();
});

async function startFeed(collector: FeedCollector, options: Partial<BinanceTradeFeedOptions> = {}): Promise<BinanceTradeFeed> {
  feed = new BinanceTradeFeed({ registry, url: fake.url, symbols: ['BTC', 'ETH'], onEvent: collector.onEvent, random: () => 0, ...options });
  await feed.start(collector);
  return feed;
}

/** The fake's trades as "BTC:12" keys, in emission order. */
function emittedKeys(): string[] {
  return fake.emitted.map((payload) => `${payload.s === 'BTCUSDT' ? 'BTC' : payload.s === 'ETHUSDT' ? 'ETH' : payload.s}:${payload.t}`);
}

describe('BinanceTradeFeed on a fake Binance', () => {
  it('subscribes on the combined endpoint and turns trade frames into exact Trades', async () => {
    fake = await FakeBinanceServer.start();
    const collector = new FeedCollector();
    const started = await startFeed(collector, { symbols: ['BTC', 'ETH', 'MATIC'] });
    expect(started.state()).toBe('stale');
    await eventually(() => fake.subscribedConnections(['btcusdt@trade', 'ethusdt@trade', 'polusdt@trade']).length === 1, { what: 'subscription' });
    expect(fake.connections[0]!.path).toBe('/stream');
    expect(fake.requests).toEqual([
      { connection: 1, at: expect.any(Number), method: 'SUBSCRIBE', params: ['btcusdt@trade', 'ethusdt@trade', 'polusdt@trade'], id: 1 },
    ]);
    await eventually(() => started.state() === 'live', { what: 'live state' });

    const btc = fake.emitTrade('BTCUSDT', { p: '64123.45000000', q: '0.01500000', m: true });
    const pol = fake.emitTrade('POLUSDT', { p: '0.38120000', q: '1500.50000000', m: false });
    await eventually(() => collector.trades.length === 2, { what: 'two trades' });
    expect(collector.trades).toEqual([
      { instrument: 'BTC', price: 64123.45, size: 0.015, side: 'sell', time: btc.T, tradeId: String(btc.t), source: 'binance' },
      { instrument: 'MATIC', price: 0.3812, size: 1500.5, side: 'buy', time: pol.T, tradeId: String(pol.t), source: 'binance' },
    ]);
    expect(Object.isFrozen(collector.trades[0])).toBe(true);
    expect(started.instruments()).toEqual(['BTC', 'ETH', 'MATIC']);
    expect(started.stats()).toEqual({
      emitted: 2,
      rejected: 0,
      reconnects: 0,
      staleReconnects: 0,
      rotations: 0,
      duplicates: 0,
      shutdownNotices: 0,
      openConnections: 1,
    });
    expect(collector.errors).toEqual([]);
    expect(collector.events.map((event) => event.type)).toEqual(['connecting', 'open', 'subscribed', 'live']);
  });

  it('reconnects with exponential backoff while the venue refuses, then resubscribes; the backoff resets once data flows', async () => {
    fake = await FakeBinanceServer.start();
    const collector = new FeedCollector();
    // The venue comes back exactly when the third retry is scheduled, however slow the machine.
    const onEvent = (event: VenueConnectionEvent): void => {
      collector.onEvent(event);
      if (event.type === 'reconnect-scheduled' && event.attempt === 2) fake.setRefusing(false);
    };
    const started = await startFeed(collector, { onEvent, backoff: { initialDelayMs: 40, maxDelayMs: 1000, multiplier: 2, jitter: 0.5 } });
    await eventually(() => fake.subscribedConnections(BTC_ETH).length === 1, { what: 'first subscription' });
    fake.emitTrade('BTCUSDT');
    await eventually(() => collector.trades.length === 1, { what: 'first trade' });

    fake.setRefusing(true);
    fake.dropConnections();
    await eventually(() => collector.eventsOf('reconnect-scheduled').length === 3, { what: 'three scheduled reconnects' });
    expect(started.state()).toBe('stale');
    await eventually(() => fake.subscribedConnections(BTC_ETH).length === 1, { what: 'resubscription' });
    fake.emitTrade('ETHUSDT');
    await eventually(() => collector.trades.length === 2, { what: 'trade after reconnect' });
    await eventually(() => started.state() === 'live', { what: 'live again' });

    // random() = 0 means no jitter: exact doubling from the initial delay.
    expect(collector.eventsOf('reconnect-scheduled').map(({ attempt, delayMs }) => [attempt, delayMs])).toEqual([
      [0, 40],
      [1, 80],
      [2, 160],
    ]);
    const reconnected = fake.subscribedConnections(BTC_ETH)[0]!;
    expect(reconnected.received.map((text) => JSON.parse(text) as unknown)).toEqual([{ method: 'SUBSCRIBE', params: BTC_ETH, id: expect.any(Number) }]);
    expect(started.stats().reconnects).toBe(3);
    expect(collector.errors.length).toBeGreaterThanOrEqual(3);
    for (const error of collector.errors) expect(error).toBeInstanceOf(VenueConnectionError);
    expect(collector.errors.some((error) => error.message.includes('503'))).toBe(true);

    fake.dropConnections();
    await eventually(() => collector.eventsOf('reconnect-scheduled').length === 4, { what: 'reconnect after recovery' });
    expect(collector.eventsOf('reconnect-scheduled')[3]).toEqual({ type: 'reconnect-scheduled', attempt: 0, delayMs: 40 });
    await eventually(() => fake.subscribedConnections(BTC_ETH).length === 1, { what: 'second resubscription' });
  });

  it('replaces a connection that went silent (watchdog), counting it', async () => {
    fake = await FakeBinanceServer.start();
    const collector = new FeedCollector();
    const started = await startFeed(collector, { staleAfterMs: 400, backoff: { initialDelayMs: 10 } });
    await eventually(() => fake.subscribedConnections(BTC_ETH).length === 1, { what: 'subscription' });
    stopEmitter = steadyEmitter(10, (i) => fake.emitTrade(i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT'));
    await eventually(() => collector.trades.length >= 5, { what: 'trades flowing' });
    expect(started.stats().staleReconnects).toBe(0);

    fake.setSilent(true);
    await eventually(() => collector.eventsOf('stale').length === 1, { what: 'stale detection' });
    fake.setSilent(false);
    await eventually(() => fake.subscribedConnections(BTC_ETH).length === 1 && started.state() === 'live', { what: 'replacement connection' });
    const before = collector.trades.length;
    await eventually(() => collector.trades.length >= before + 5, { what: 'trades on the new connection' });

    expect(started.stats().staleReconnects).toBeGreaterThanOrEqual(1);
    expect(collector.eventsOf('stale')[0]!.silentMs).toBeGreaterThan(400);
    expect(collector.errors.find((error) => error instanceof VenueStaleError)?.message).toMatch(/^binance stream silent for \d+ ms; reconnecting$/);
    expect(fake.connections[0]!.closeCause).toBe('client');
  });

  it('counts and skips malformed frames without dropping the connection', async () => {
    fake = await FakeBinanceServer.start();
    const collector = new FeedCollector();
    const started = await startFeed(collector);
    await eventually(() => fake.subscribedConnections(BTC_ETH).length === 1, { what: 'subscription' });
    fake.sendRaw('this is not json');
    fake.sendRaw(
      JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: Date.now(), s: 'BTCUSDT', t: 1, p: 'abc', q: '1', T: Date.now(), m: true, M: true } }),
    );
    fake.sendRaw(
      JSON.stringify({ stream: 'dogeeur@trade', data: { e: 'trade', E: Date.now(), s: 'DOGEEUR', t: 1, p: '0.1', q: '1', T: Date.now(), m: true, M: true } }),
    );
    fake.connections[0]!.socket.send(Buffer.from([0xde, 0xad]), { binary: true });
    const good = fake.emitTrade('ETHUSDT');
    await eventually(() => collector.trades.length === 1, { what: 'the good trade' });

    expect(collector.trades[0]!.tradeId).toBe(String(good.t));
    expect(collector.errors.map((error) => error.message)).toEqual([
      expect.stringContaining('Invalid feed input at binance frame: not JSON'),
      'Invalid feed input at binance btcusdt@trade: p (price) must be a decimal string',
      'Invalid feed input at binance dogeeur@trade: market DOGEEUR is not mapped to a tracked symbol',
      'Invalid feed input at binance frame: binary frame where JSON text was expected',
    ]);
    for (const error of collector.errors) expect(error).toBeInstanceOf(InvalidFeedInputError);
    expect(started.stats()).toMatchObject({ emitted: 1, rejected: 4, reconnects: 0, openConnections: 1 });
    expect(started.state()).toBe('live');
    expect(fake.connections).toHaveLength(1);
  });

  it('rotates before a shortened connection lifetime, make-before-break: every emitted trade exactly once, in order', async () => {
    fake = await FakeBinanceServer.start({ maxConnectionAgeMs: 3000 });
    const collector = new FeedCollector();
    const started = await startFeed(collector, { rotateAfterMs: 200, rotationOverlapMs: 60, staleAfterMs: 2000 });
    await eventually(() => fake.subscribedConnections(BTC_ETH).length === 1, { what: 'subscription' });
    stopEmitter = steadyEmitter(2, (i) => fake.emitTrade(i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT', { m: i % 3 === 0 }));
    await eventually(() => started.stats().rotations >= 4, { what: 'four rotations', timeoutMs: 10_000 });
    stopEmitter();
    stopEmitter = undefined;
    const emitted = emittedKeys();
    await eventually(() => collector.trades.length >= emitted.length, { what: 'every emitted trade' });
    // Each completed rotation closes the connection it replaced (a rotation still under way
    // when the trades stopped never completes: its candidate gets no trade).
    await eventually(() => fake.closedBy('client') >= started.stats().rotations, { what: 'the replaced connections closed' });

    expect(collector.keys()).toEqual(emitted);
    const stats = started.stats();
    expect(stats.duplicates).toBeGreaterThan(0); // the overlap really overlapped
    expect(stats.reconnects).toBe(0);
    expect(fake.closedBy('lifetime')).toBe(0);
    expect(collector.eventsOf('rotation-started').every((event) => event.reason === 'age')).toBe(true);
    expect(collector.errors).toEqual([]);
  });

  it('with paced multi-message subscribes, a rotation waits for every subscribe before retiring the old connection', async () => {
    fake = await FakeBinanceServer.start();
    const symbols = ['BTC', 'ETH', 'LTC', 'XRP', 'BCH', 'ADA'];
    const markets = symbols.map((symbol) => `${symbol}USDT`);
    const collector = new FeedCollector();
    // Six one-stream subscribes at 4 per window: the last two go out a window after the first four.
    const started = await startFeed(collector, { symbols, streamsPerSubscribe: 1, rotateAfterMs: 300, rotationOverlapMs: 100, staleAfterMs: 5000 });
    await eventually(() => fake.subscribedConnections(markets.map((market) => `${market.toLowerCase()}@trade`)).length === 1, {
      what: 'initial subscription',
      timeoutMs: 10_000,
    });
    stopEmitter = steadyEmitter(3, (i) => fake.emitTrade(markets[i % markets.length]!));
    await eventually(() => started.stats().rotations >= 1, { what: 'a rotation', timeoutMs: 15_000 });
    stopEmitter();
    stopEmitter = undefined;
    const emitted = fake.emitted.map((payload) => `${payload.s.replace('USDT', '')}:${payload.t}`);
    await eventually(() => collector.trades.length >= emitted.length, { what: 'every emitted trade' });

    expect(collector.keys()).toEqual(emitted);
    expect(fake.rateViolations).toBe(0);
    expect(started.stats().reconnects).toBe(0);
  });

  it('a serverShutdown notice starts a make-before-break rotation at once, losing nothing', async () => {
    fake = await FakeBinanceServer.start();
    const collector = new FeedCollector();
    const started = await startFeed(collector, { rotationOverlapMs: 50 });
    await eventually(() => fake.subscribedConnections(BTC_ETH).length === 1, { what: 'subscription' });
    stopEmitter = steadyEmitter(2, (i) => fake.emitTrade(i % 2 === 0 ? 'BTCUSDT' : 'ETHUSDT'));
    await eventually(() => collector.trades.length >= 20, { what: 'trades flowing' });
    const first = fake.connections[0]!;
    fake.sendServerShutdown();
    await eventually(() => started.stats().rotations === 1, { what: 'rotation' });
    await eventually(() => first.closeCause !== undefined, { what: 'old connection closed' });
    stopEmitter();
    stopEmitter = undefined;
    const emitted = emittedKeys();
    await eventually(() => collector.trades.length >= emitted.length, { what: 'every emitted trade' });

    expect(collector.keys()).toEqual(emitted);
    expect(collector.eventsOf('rotation-started')).toEqual([{ type: 'rotation-started', link: 2, reason: 'server-shutdown' }]);
    expect(started.stats()).toMatchObject({ shutdownNotices: 1, rotations: 1, reconnects: 0, openConnections: 1 });
    expect(first.closeCause).toBe('client');
  });

  it('paces subscribes so the venue never counts more than 5 inbound messages per second (pongs included)', async () => {
    // Binance pings every 20 s; every 2 s here still puts a pong into most test windows.
    fake = await FakeBinanceServer.start({ pingIntervalMs: 2000 });
    const symbols = ['BTC', 'ETH', 'LTC', 'XRP', 'BCH', 'ADA', 'DOT', 'LINK', 'BNB', 'DOGE', 'UNI', 'SOL'];
    const collector = new FeedCollector();
    await startFeed(collector, { symbols, streamsPerSubscribe: 1 });
    const streams = symbols.map((symbol) => `${symbol.toLowerCase()}usdt@trade`);
    await eventually(() => fake.subscribedConnections(streams).length === 1, { what: 'twelve one-stream subscriptions', timeoutMs: 10_000 });

    expect(fake.requests).toHaveLength(12);
    expect(fake.rateViolations).toBe(0);
    expect(fake.maxInboundPerSecond).toBeLessThanOrEqual(5);
    const arrivals = fake.requests.map((request) => request.at);
    for (const at of arrivals) expect(arrivals.filter((other) => other > at - 1000 && other <= at).length).toBeLessThanOrEqual(4);
    expect(fake.connections).toHaveLength(1);
    expect(collector.errors).toEqual([]);
  });

  it("the fake's limit is real: an unpaced client is disconnected", async () => {
    fake = await FakeBinanceServer.start();
    const client = new WebSocket(`${fake.url}/stream`);
    await new Promise((resolve) => client.once('open', resolve));
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    for (let id = 1; id <= 6; id++) client.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@trade'], id }));
    expect(await closed).toBe(1008);
    expect(fake.rateViolations).toBe(1);
    expect(fake.closedBy('rate-limit')).toBe(1);
  });

  it('stop() closes every connection and silences the handlers', async () => {
    fake = await FakeBinanceServer.start();
    const collector = new FeedCollector();
    const started = await startFeed(collector);
    await eventually(() => fake.subscribedConnections(BTC_ETH).length === 1, { what: 'subscription' });
    await started.stop();
    await started.stop();
    expect(started.state()).toBe('stopped');
    await eventually(() => fake.openConnections().length === 0, { what: 'server side closed' });
    fake.emitTrade('BTCUSDT');
    await sleep(30);
    expect(collector.trades).toEqual([]);
    expect(fake.connections[0]!.closeCause).toBe('client');
    await expect(started.start(collector)).rejects.toThrow("start() called in state 'stopped'");
  });

  it('validates its options up front, listing every problem', () => {
    expect(
      () => new BinanceTradeFeed({ registry, url: 'http://example.com', staleAfterMs: 1, rotateAfterMs: 10, rotationOverlapMs: 20, symbols: ['BTC', 'NOPE'] }),
    ).toThrow(InvalidConfigError);
    try {
      new BinanceTradeFeed({ registry, url: 'http://example.com', staleAfterMs: 1, rotateAfterMs: 10, rotationOverlapMs: 20, symbols: ['BTC', 'NOPE'] });
    } catch (error) {
      expect((error as InvalidConfigError).problems).toEqual([
        'url must be ws:// or wss://, got http://example.com',
        'staleAfterMs must be >= 20, got 1',
        'rotateAfterMs must be false or > rotationOverlapMs (20), got 10',
        'binance does not list NOPE (listed: BTC, ETH, LTC, XRP, BCH, ADA, DOT, LINK, BNB, DOGE, UNI, SOL, MATIC, AVAX, ATOM, XLM, ALGO, VET, ICP, FIL)',
      ]);
    }
    expect(() => new BinanceTradeFeed({ registry, streamsPerSubscribe: 0 })).toThrow('streamsPerSubscribe must be an integer 1..1024');
    const defaults = new BinanceTradeFeed({ registry });
    expect(defaults.name).toBe('binance');
    expect(defaults.instruments()).toHaveLength(20);
    expect(defaults.state()).toBe('idle');
  });
});

describeFeedContract(
  'BinanceTradeFeed (fake Binance)',
  async () => {
    const server = await FakeBinanceServer.start();
    const venueFeed = new BinanceTradeFeed({ registry, url: server.url, symbols: ['BTC', 'ETH'], random: () => 0 });
    // Frames reach a feed only once it subscribed; after stop there is nobody to wait for.
    const subscribed = async (): Promise<void> => {
      if (venueFeed.state() !== 'stopped')
        await eventually(() => server.subscribedConnections(BTC_ETH).length > 0, { what: 'the subscription', timeoutMs: 10_000 });
    };
    return {
      feed: venueFeed,
      produce: async () => {
        await subscribed();
        server.emitTrade('BTCUSDT');
      },
      produceInvalid: async () => {
        await subscribed();
        server.sendRaw('this is not json');
      },
      close: () => server.close(),
    };
  },
  { timeoutMs: 10_000 },
);

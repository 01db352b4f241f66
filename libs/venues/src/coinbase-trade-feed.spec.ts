import { InstrumentRegistry, InvalidFeedInputError, VenueRejectedError, VenueStaleError } from '@mdg/model';
import { CoinbaseTradeFeed, type CoinbaseTradeFeedOptions } from './coinbase-trade-feed';
import { FakeCoinbaseServer } from './testing/fake-coinbase-server';
import { FeedCollector, steadyEmitter } from './testing/feed-collector';
import { eventually } from '@mdg/testing';
import { describeFeedContract } from '@mdg/feeds/testing';

const registry = new InstrumentRegistry();
const PRODUCTS = ['BTC-USD', 'ETH-USD'];

let fake: FakeCoinbaseServer;
let feed: CoinbaseTradeFeed | undefined;
let stopEmitter: (() => void) | undefined;

afterEach(async () => {
  stopEmitter?.();
  stopEmitter = undefined;
  await feed?.stop();
  feed = undefined;
  await fake?.close();
});

async function startFeed(collector: FeedCollector, options: Partial<CoinbaseTradeFeedOptions> = {}): Promise<CoinbaseTradeFeed> {
  feed = new CoinbaseTradeFeed({ registry, url: fake.url, symbols: ['BTC', 'ETH'], onEvent: collector.onEvent, random: () => 0, ...options });
  await feed.start(collector);
  return feed;
}

function emittedKeys(): string[] {
  return fake.emitted.map((trade) => `${trade.product_id.replace('-USD', '')}:${trade.trade_id}`);
}

describe('CoinbaseTradeFeed on a fake Coinbase', () => {
  it('subscribes to heartbeats and market_trades and turns trades into exact Trades', async () => {
    fake = await FakeCoinbaseServer.start({ heartbeatIntervalMs: 40 });
    const collector = new FeedCollector();
    const started = await startFeed(collector, { symbols: ['BTC', 'ETH', 'MATIC'] });
    await eventually(() => fake.subscribedConnections(['BTC-USD', 'ETH-USD', 'POL-USD']).length === 1, { what: 'subscription' });
    expect(fake.connections[0]!.received.map((text) => JSON.parse(text) as unknown)).toEqual([
      { type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD', 'POL-USD'], channel: 'heartbeats' },
      { type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD', 'POL-USD'], channel: 'market_trades' },
    ]);
    await eventually(() => started.state() === 'live', { what: 'live' });

    fake.emitTrade('POL-USD', { price: '0.3812', size: '1500.5', side: 'SELL', time: '2025-04-30T15:16:01.123456789Z' });
    fake.emitTrade('BTC-USD', { price: '64123.45', size: '0.015', side: 'BUY', time: '2025-04-30T15:16:02.5Z' });
    await eventually(() => collector.trades.length === 2, { what: 'two trades' });
    expect(collector.trades).toEqual([
      { instrument: 'MATIC', price: 0.3812, size: 1500.5, side: 'sell', time: Date.UTC(2025, 3, 30, 15, 16, 1, 123), tradeId: '1', source: 'coinbase' },
      { instrument: 'BTC', price: 64123.45, size: 0.015, side: 'buy', time: Date.UTC(2025, 3, 30, 15, 16, 2, 500), tradeId: '1', source: 'coinbase' },
    ]);
    await eventually(() => collector.heartbeats.length >= 2, { what: 'heartbeats' });
    expect(collector.heartbeats[0]).toEqual(['BTC', 'ETH', 'MATIC']);
    expect(started.stats()).toMatchObject({ emitted: 2, rejected: 0, reconnects: 0, duplicates: 0 });
    expect(collector.errors).toEqual([]);
  });

  it('after a reconnect the snapshot fills the gap and already-delivered trades are applied once', async () => {
    fake = await FakeCoinbaseServer.start({ heartbeatIntervalMs: 1000 });
    for (let i = 0; i < 3; i++) fake.emitTrade(i % 2 === 0 ? 'BTC-USD' : 'ETH-USD');
    const collector = new FeedCollector();
    const started = await startFeed(collector, { backoff: { initialDelayMs: 30 } });
    await eventually(() => collector.trades.length === 3, { what: 'snapshot trades' });
    fake.emitTrade('BTC-USD');
    fake.emitTrade('ETH-USD');
    await eventually(() => collector.trades.length === 5, { what: 'update trades' });

    fake.setRefusing(true);
    fake.dropConnections();
    await eventually(() => collector.eventsOf('reconnect-scheduled').length >= 1, { what: 'reconnect scheduled' });
    fake.emitTrade('BTC-USD'); // missed live: nobody is connected
    fake.emitTrade('BTC-USD');
    fake.setRefusing(false);
    await eventually(() => collector.trades.length === 7, { what: 'gap filled from the snapshot' });
    fake.emitTrade('ETH-USD');
    await eventually(() => collector.trades.length === 8, { what: 'live again' });

    expect(collector.keys()).toEqual(emittedKeys());
    expect(started.stats()).toMatchObject({ emitted: 8, duplicates: 5 });
    expect(started.stats().reconnects).toBeGreaterThanOrEqual(1);
  });

  it('replaces a connection whose heartbeats stopped (watchdog)', async () => {
    fake = await FakeCoinbaseServer.start({ heartbeatIntervalMs: 20 });
    const collector = new FeedCollector();
    const started = await startFeed(collector, { staleAfterMs: 400, backoff: { initialDelayMs: 10 } });
    await eventually(() => collector.heartbeats.length >= 3, { what: 'heartbeats flowing' });
    fake.setSilent(true);
    await eventually(() => collector.eventsOf('stale').length === 1, { what: 'stale detection' });
    fake.setSilent(false);
    const heartbeatsBefore = collector.heartbeats.length;
    await eventually(() => collector.heartbeats.length >= heartbeatsBefore + 3 && started.state() === 'live', { what: 'heartbeats on a new connection' });
    fake.emitTrade('ETH-USD');
    await eventually(() => collector.trades.length === 1, { what: 'trade on the new connection' });

    expect(started.stats().staleReconnects).toBeGreaterThanOrEqual(1);
    expect(collector.errors.some((error) => error instanceof VenueStaleError)).toBe(true);
    expect(fake.connections[0]!.closeCause).toBe('client');
  });

  it('counts and skips malformed frames and bad trades; reports venue errors', async () => {
    fake = await FakeCoinbaseServer.start();
    const collector = new FeedCollector();
    const started = await startFeed(collector);
    await eventually(() => fake.subscribedConnections(PRODUCTS).length === 1, { what: 'subscription' });
    fake.sendRaw('{"channel":');
    const good = { trade_id: '77', product_id: 'ETH-USD', price: '2500.5', size: '1', side: 'SELL', time: new Date().toISOString() };
    fake.sendRaw(
      JSON.stringify({
        channel: 'market_trades',
        client_id: '',
        timestamp: new Date().toISOString(),
        sequence_num: 99,
        events: [{ type: 'update', trades: [{ ...good, trade_id: '76', price: '-1' }, good] }],
      }),
    );
    fake.sendRaw(JSON.stringify({ type: 'error', message: 'rate limit exceeded' }));
    await eventually(() => collector.trades.length === 1 && collector.errors.length === 3, { what: 'the good trade and three errors' });

    expect(collector.trades[0]).toMatchObject({ instrument: 'ETH', tradeId: '77', side: 'sell', price: 2500.5 });
    expect(collector.errors[0]).toBeInstanceOf(InvalidFeedInputError);
    expect(collector.errors[1]!.message).toBe('Invalid feed input at coinbase market_trades ETH-USD: price must be a decimal string');
    expect(collector.errors[2]).toBeInstanceOf(VenueRejectedError);
    expect(started.stats()).toMatchObject({ emitted: 1, rejected: 2, reconnects: 0 });
    expect(started.state()).toBe('live');
  });

  it('rotation on a shortened lifetime: every trade exactly once, in order, within the per-IP message limit', async () => {
    fake = await FakeCoinbaseServer.start({ maxConnectionAgeMs: 3000, heartbeatIntervalMs: 50 });
    const collector = new FeedCollector();
    const started = await startFeed(collector, { rotateAfterMs: 250, rotationOverlapMs: 60, staleAfterMs: 2000 });
    await eventually(() => fake.subscribedConnections(PRODUCTS).length === 1, { what: 'subscription' });
    stopEmitter = steadyEmitter(2, (i) => fake.emitTrade(PRODUCTS[i % 2]!, { side: i % 3 === 0 ? 'SELL' : 'BUY' }));
    await eventually(() => started.stats().rotations >= 3, { what: 'three rotations', timeoutMs: 10_000 });
    stopEmitter();
    stopEmitter = undefined;
    const emitted = emittedKeys();
    await eventually(() => collector.trades.length >= emitted.length, { what: 'every emitted trade' });
    await eventually(() => fake.closedBy('client') >= started.stats().rotations, { what: 'the replaced connections closed' });

    expect(collector.keys()).toEqual(emitted);
    expect(started.stats().duplicates).toBeGreaterThan(0);
    expect(started.stats().reconnects).toBe(0);
    expect(fake.closedBy('lifetime')).toBe(0);
    expect(fake.rateViolations).toBe(0);
    expect(fake.maxInboundPerSecond).toBeLessThanOrEqual(6);
    expect(collector.errors).toEqual([]);
  });
});

describeFeedContract(
  'CoinbaseTradeFeed (fake Coinbase)',
  async () => {
    const server = await FakeCoinbaseServer.start({ heartbeatIntervalMs: 40 });
    const venueFeed = new CoinbaseTradeFeed({ registry, url: server.url, symbols: ['BTC', 'ETH'], random: () => 0 });
    // Frames reach a feed only once it subscribed; after stop there is nobody to wait for.
    const subscribed = async (): Promise<void> => {
      if (venueFeed.state() !== 'stopped')
        await eventually(() => server.subscribedConnections(PRODUCTS).length > 0, { what: 'the subscription', timeoutMs: 10_000 });
    };
    return {
      feed: venueFeed,
      produce: async () => {
        await subscribed();
        server.emitTrade('BTC-USD');
      },
      produceInvalid: async () => {
        await subscribed();
        server.sendRaw('{"channel":');
      },
      close: () => server.close(),
    };
  },
  { timeoutMs: 10_000 },
);

import { InstrumentRegistry, InvalidConfigError, InvalidFeedInputError } from '@mdg/model';
import { BinanceTradeFeed } from './binance-trade-feed';
import { CoinbaseTradeFeed } from './coinbase-trade-feed';
import { FailoverFeed, type FailoverFeedOptions, type FailoverSwitch } from './failover-feed';
import { FakeBinanceServer } from './testing/fake-binance-server';
import { FakeCoinbaseServer } from './testing/fake-coinbase-server';
import { FeedCollector, steadyEmitter } from './testing/feed-collector';
import { ManualVenueTimers } from './testing/manual-venue-timers';
import { StubFeed } from './testing/stub-feed';
import { eventually } from '@mdg/testing';
import { describeFeedContract } from '@mdg/feeds/testing';

function harness(sources: StubFeed[], options: Partial<FailoverFeedOptions> = {}) {
  const timers = new ManualVenueTimers();
  const switches: FailoverSwitch[] = [];
  const feed = new FailoverFeed({ sources, staleAfterMs: 100, checkIntervalMs: 10, timers, onSwitch: (event) => switches.push(event), ...options });
  const collector = new FeedCollector();
  return { timers, switches, feed, collector, applied: () => collector.trades.map((trade) => `${trade.source}:${trade.instrument}:${trade.time}`) };
}

describe('FailoverFeed (stub sources, manual time)', () => {
  it('applies the primary, holds the standby back, fails over when the primary goes stale (replaying the gap) and back when it recovers', async () => {
    const primary = new StubFeed('primary', ['BTC']);
    const standby = new StubFeed('standby', ['BTC']);
    const { timers, switches, feed, collector, applied } = harness([primary, standby]);
    await feed.start(collector);
    expect(feed.activeSource('BTC')).toBe('primary');

    primary.trade('BTC', 1000);
    standby.trade('BTC', 1001);
    timers.advance(50);
    primary.trade('BTC', 1050);
    standby.trade('BTC', 1051);
    timers.advance(60);
    standby.trade('BTC', 1110);
    expect(applied()).toEqual(['primary:BTC:1000', 'primary:BTC:1050']);
    expect(feed.state()).toBe('live');

    timers.advance(50); // the primary has been quiet for 110 ms > 100
    expect(feed.activeSource('BTC')).toBe('standby');
    expect(switches).toEqual([{ instrument: 'BTC', from: 'primary', to: 'standby', reason: 'stale', replayed: 2 }]);
    standby.trade('BTC', 1170);
    primary.trade('BTC', 1180); // back: applied at once, and it takes the instrument back
    standby.trade('BTC', 1190);

    expect(applied()).toEqual(['primary:BTC:1000', 'primary:BTC:1050', 'standby:BTC:1051', 'standby:BTC:1110', 'standby:BTC:1170', 'primary:BTC:1180']);
    expect(switches[1]).toEqual({ instrument: 'BTC', from: 'standby', to: 'primary', reason: 'recovered', replayed: 0 });
    expect(feed.stats()).toEqual({ emitted: 6, rejected: 0, duplicates: 0, heldBack: 4, replayed: 2, switches: 2 });
  });

  it('applies a trade re-sent by the same source once (same instrument and venue trade id), with bounded memory', async () => {
    const primary = new StubFeed('primary', ['BTC', 'ETH']);
    const standby = new StubFeed('standby', ['BTC', 'ETH']);
    const { feed, collector } = harness([primary, standby], { dedupCapacity: 3 });
    await feed.start(collector);
    primary.trade('BTC', 1, '7');
    primary.trade('BTC', 2, '8');
    // Reconnect: the source sends its recent trades again, then new ones.
    primary.trade('BTC', 1, '7');
    primary.trade('BTC', 2, '8');
    primary.trade('BTC', 3, '9');
    primary.trade('ETH', 3, '9'); // same id, other market: a different trade
    standby.trade('BTC', 3, '9'); // same id, other source: a different trade (held back)
    expect(collector.keys()).toEqual(['BTC:7', 'BTC:8', 'BTC:9', 'ETH:9']);
    expect(feed.stats()).toMatchObject({ emitted: 4, duplicates: 2, heldBack: 1 });
    // Memory is bounded: ids older than the capacity are forgotten.
    primary.trade('BTC', 1, '7');
    expect(collector.keys()).toHaveLength(5);
  });

  it('heartbeats keep a quiet standby eligible; a standby with neither trades nor heartbeats is not', async () => {
    const primary = new StubFeed('primary', ['BTC']);
    const standby = new StubFeed('standby', ['BTC']);
    const { timers, switches, feed, collector } = harness([primary, standby]);
    await feed.start(collector);
    timers.advance(150);
    expect(switches).toEqual([]);
    expect(feed.activeSource('BTC')).toBe('primary');
    expect(feed.state()).toBe('stale');
    standby.heartbeat(['BTC']);
    timers.advance(10);
    expect(switches).toEqual([{ instrument: 'BTC', from: 'primary', to: 'standby', reason: 'stale', replayed: 0 }]);
    expect(feed.state()).toBe('live');
  });

  it('fails over per instrument, never to a source that does not list it, and when the primary itself reports stale', async () => {
    const primary = new StubFeed('binance', ['BTC', 'ETH', 'BNB']);
    const standby = new StubFeed('coinbase', ['BTC', 'ETH']);
    const { timers, feed, collector } = harness([primary, standby]);
    await feed.start(collector);
    for (let t = 0; t < 15; t++) {
      timers.advance(10);
      primary.trade('ETH', t);
      standby.heartbeat(['BTC', 'ETH']);
    }
    expect(feed.activeSource('BTC')).toBe('coinbase');
    expect(feed.activeSource('ETH')).toBe('binance');
    expect(feed.activeSource('BNB')).toBe('binance');
    expect(feed.instruments()).toEqual(['BTC', 'ETH', 'BNB']);

    primary.current = 'stale'; // e.g. reconnecting
    timers.advance(10);
    expect(feed.activeSource('ETH')).toBe('coinbase');
    expect(feed.activeSource('BNB')).toBe('binance');
  });

  it('learns the instruments of sources that do not declare any', async () => {
    const primary = new StubFeed('a');
    const standby = new StubFeed('b');
    const { timers, feed, collector } = harness([primary, standby]);
    await feed.start(collector);
    timers.advance(60);
    standby.trade('SOL', 5);
    expect(feed.activeSource('SOL')).toBe('a');
    expect(collector.trades).toEqual([]);
    timers.advance(60);
    expect(feed.activeSource('SOL')).toBe('b');
    expect(collector.keys()).toEqual(['SOL:1']);
  });

  it('forwards source errors, counting rejections', async () => {
    const primary = new StubFeed('primary', ['BTC']);
    const { feed, collector } = harness([primary]);
    await feed.start(collector);
    primary.handlers?.onError(new InvalidFeedInputError('binance frame', 'not JSON'));
    primary.handlers?.onError(new Error('socket trouble'));
    expect(collector.errors.map((error) => error.message)).toEqual(['Invalid feed input at binance frame: not JSON', 'socket trouble']);
    expect(feed.stats().rejected).toBe(1);
  });

  it('stops every source; a source failing to start stops the others and the error surfaces', async () => {
    const a = new StubFeed('a', ['BTC']);
    const b = new StubFeed('b', ['BTC']);
    const { feed, collector, timers } = harness([a, b]);
    await feed.start(collector);
    await feed.stop();
    expect([a.stopCalls, b.stopCalls]).toEqual([1, 1]);
    a.trade('BTC', 1);
    expect(collector.trades).toEqual([]);
    expect(timers.pendingCount()).toBe(0);

    const ok = new StubFeed('ok', ['BTC']);
    const broken = new StubFeed('broken', ['BTC'], new Error('cannot start'));
    const failing = harness([ok, broken]);
    await expect(failing.feed.start(failing.collector)).rejects.toThrow('cannot start');
    expect(ok.stopCalls).toBe(1);
    expect(failing.feed.state()).toBe('stopped');
  });

  it('validates its options', () => {
    expect(() => new FailoverFeed({ sources: [] })).toThrow(InvalidConfigError);
    expect(() => new FailoverFeed({ sources: [new StubFeed('x'), new StubFeed('x')] })).toThrow('source names must differ; x appears twice');
    expect(() => new FailoverFeed({ sources: [new StubFeed('x')], staleAfterMs: 0, standbyBufferSize: -1 })).toThrow('staleAfterMs must be >= 10');
  });
});

describe('FailoverFeed over a fake Binance (primary) and a fake Coinbase (standby)', () => {
  const registry = new InstrumentRegistry();
  let binance: FakeBinanceServer | undefined;
  let coinbase: FakeCoinbaseServer | undefined;
  let feed: FailoverFeed | undefined;
  const stoppers: (() => void)[] = [];

  afterEach(async () => {
    for (const stop of stoppers.splice(0)) stop();
    await feed?.stop();
    await binance?.close();
    await coinbase?.close();
  });

  it('switches BTC to Coinbase within the stale window when Binance goes quiet, and back when Binance recovers', async () => {
    binance = await FakeBinanceServer.start();
    coinbase = await FakeCoinbaseServer.start({ heartbeatIntervalMs: 25 });
    const switches: FailoverSwitch[] = [];
    feed = new FailoverFeed({
      sources: [
        new BinanceTradeFeed({ registry, url: binance.url, symbols: ['BTC'], staleAfterMs: 10_000 }),
        new CoinbaseTradeFeed({ registry, url: coinbase.url, symbols: ['BTC'] }),
      ],
      staleAfterMs: 400,
      checkIntervalMs: 20,
      onSwitch: (event) => switches.push(event),
    });
    const collector = new FeedCollector();
    await feed.start(collector);
    const fakes = { binance, coinbase };
    await eventually(
      () => fakes.binance.subscribedConnections(['btcusdt@trade']).length === 1 && fakes.coinbase.subscribedConnections(['BTC-USD']).length === 1,
      { what: 'both subscribed' },
    );
    stoppers.push(steadyEmitter(10, () => fakes.binance.emitTrade('BTCUSDT', { p: '64000.00000000' })));
    stoppers.push(steadyEmitter(10, () => fakes.coinbase.emitTrade('BTC-USD', { price: '64010.00' })));
    await eventually(() => collector.trades.length >= 10, { what: 'primary trades' });
    expect(new Set(collector.trades.map((trade) => trade.source))).toEqual(new Set(['binance']));

    binance.setSilent(true);
    await eventually(() => switches.length === 1, { what: 'failover to coinbase', timeoutMs: 5000 });
    const afterFailover = collector.trades.length;
    await eventually(() => collector.trades.length >= afterFailover + 10, { what: 'standby trades' });
    binance.setSilent(false);
    await eventually(() => switches.length === 2, { what: 'back to binance', timeoutMs: 5000 });
    const afterRecovery = collector.trades.length;
    await eventually(() => collector.trades.length >= afterRecovery + 10, { what: 'primary trades again' });

    expect(switches.map(({ from, to, reason }) => [from, to, reason])).toEqual([
      ['binance', 'coinbase', 'stale'],
      ['coinbase', 'binance', 'recovered'],
    ]);
    expect(switches[0]!.replayed).toBeGreaterThan(0); // the standby's trades from the quiet window
    // Applied sources form three runs: binance, then coinbase, then binance.
    const runs = collector.trades.map((trade) => trade.source).filter((source, i, all) => i === 0 || all[i - 1] !== source);
    expect(runs).toEqual(['binance', 'coinbase', 'binance']);
    const keys = collector.trades.map((trade) => `${trade.source}:${trade.tradeId}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(feed.activeSource('BTC')).toBe('binance');
    expect(feed.state()).toBe('live');
  });
});

describeFeedContract('FailoverFeed (stub sources, manual time)', () => {
  const primary = new StubFeed('primary', ['BTC']);
  const standby = new StubFeed('standby', ['BTC']);
  const timers = new ManualVenueTimers();
  let time = 1_775_001_600_000;
  return {
    feed: new FailoverFeed({ sources: [primary, standby], staleAfterMs: 100, checkIntervalMs: 10, timers }),
    produce: () => {
      time += 10;
      timers.advance(10);
      primary.trade('BTC', time);
    },
    // A source's rejected frame travels through the failover feed's onError.
    produceInvalid: () => primary.handlers?.onError(new InvalidFeedInputError('primary frame', 'not JSON')),
  };
});

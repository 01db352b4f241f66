import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ManualIntervalTimer } from '@mdg/feeds';
import { RecentTradeKeys } from '@mdg/ingest';
import { InstrumentRegistry, ManualClock, WRAPPED_SOL_MINT, type Trade } from '@mdg/model';
import { MemoryTokenRegistry } from '@mdg/tokens';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { expectSameCandles } from '@mdg/engine/testing';
import { closeRedisClient } from '@mdg/redis-client';
import { encodeIngestTrade, ingestStreamKey } from './ingest-stream-format';
import { RedisStreamTradeFeed, type RedisStreamTradeFeedOptions } from './redis-stream-trade-feed';
import { streamEntries } from './stream-replies';
import { INGEST_TEST_TOKENS, ingestTestTrades } from './testing/ingest-fixtures';
import { xaddTrades } from './xadd-trades';

const NOW = Date.now();
const [PUMPCAT] = INGEST_TEST_TOKENS;
const UNTRACKED = 'FcAs9YWjjn7qw7C67cjjj3nbDU6whq136EEtDUm3NzLb';

/** The candles built by a MarketEngine from what was applied equal the reference built from what was produced. */
function expectSameCandlesAsProduced(applied: readonly Trade[], produced: readonly Trade[]): void {
  expectSameCandles(new InstrumentRegistry(INGEST_TEST_TOKENS), applied, produced, { timeframes: [1, 60], nowMs: NOW });
}

describe('RedisStreamTradeFeed', () => {
  let server: RedisServerHandle;
  let admin: Redis;
  const feeds: RedisStreamTradeFeed[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    process.on('unhandledRejection', onUnhandled);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await closeRedisClient(admin);
    await server.stop();
  });

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((feed) => feed.stop()));
    expect(unhandled).toEqual([]);
  });

  interface Running {
    feed: RedisStreamTradeFeed;
    applied: Trade[];
    errors: Error[];
  }

  async function consume(keyPrefix: string, options: Partial<RedisStreamTradeFeedOptions> = {}, onTrade?: (trade: Trade) => void): Promise<Running> {
    const feed = new RedisStreamTradeFeed({
      connection: server.url,
      keyPrefix,
      registry: new InstrumentRegistry(INGEST_TEST_TOKENS),
      blockMs: 50,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      ...options,
    });
    feeds.push(feed);
    const applied: Trade[] = [];
    const errors: Error[] = [];
    await feed.start({
      onTrade: (trade) => {
        applied.push(trade);
        onTrade?.(trade);
      },
      onError: (error) => errors.push(error),
    });
    await eventually(async () => feed.state() === 'live', { timeoutMs: 5000, what: 'the feed consuming' });
    return { feed, applied, errors };
  }

  async function pendingCount(keyPrefix: string, group = 'mdg-engine'): Promise<number> {
    const summary = (await admin.call('XPENDING', ingestStreamKey(keyPrefix), group)) as [number, ...unknown[]];
    return Number(summary[0]);
  }

  /** The server-side id of a feed's connection (changes when it reconnects). */
  async function connectionId(feed: RedisStreamTradeFeed): Promise<string | undefined> {
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    const line = list.split('\n').find((entry) => entry.includes(` name=mdg-ingest-${feed.name} `));
    return line ? /\bid=(\d+)/.exec(line)?.[1] : undefined;
  }

  /** Spins for `ms`: the engine is busy applying a batch, nothing else of this process runs. */
  function busy(ms: number): void {
    const until = Date.now() + ms;
    while (Date.now() < until);
  }

  it('applies valid entries in stream order and acknowledges them', async () => {
    const prefix = uniquePrefix('stream-basic');
    const trades = ingestTestTrades(250, NOW);
    await xaddTrades(admin, prefix, trades.slice(0, 100));
    const { feed, applied, errors } = await consume(prefix, { batchSize: 30 });
    await xaddTrades(admin, prefix, trades.slice(100));
    await eventually(async () => applied.length === 250, { timeoutMs: 5000, what: 'every trade applied' });
    expect(applied).toEqual(trades);
    await eventually(async () => (await pendingCount(prefix)) === 0, { timeoutMs: 2000, what: 'nothing pending' });
    expect(errors).toEqual([]);
    expect(feed.stats()).toMatchObject({ emitted: 250, rejected: 0, duplicates: 0, acked: 250, claimed: 0, ackFailures: 0 });
  });

  it('reports bad entries with typed errors, counts and acknowledges them so they never loop', async () => {
    const prefix = uniquePrefix('stream-bad');
    const key = ingestStreamKey(prefix);
    const [good] = ingestTestTrades(1, NOW);
    await admin.xadd(key, '*', 'payload', 'no trade field');
    await admin.xadd(key, '*', 'trade', '{not json');
    await admin.xadd(key, '*', 'trade', JSON.stringify({ ...good, price: -1 }));
    await admin.xadd(key, '*', 'trade', JSON.stringify({ ...good, instrument: UNTRACKED }));
    await admin.xadd(key, '*', 'trade', '[1,2]');
    await admin.xadd(key, '*', 'trade', encodeIngestTrade(good!), 'slot', '123');
    const { feed, applied, errors } = await consume(prefix);
    await eventually(async () => applied.length === 1 && errors.length === 5, { timeoutMs: 5000, what: 'the good trade and five rejections' });
    expect(applied).toEqual([good]);
    expect(errors.map((error) => (error as { code?: string }).code)).toEqual(Array(5).fill('INVALID_FEED_INPUT'));
    const messages = errors.map((error) => error.message);
    expect(messages[0]).toMatch(new RegExp(`^Invalid feed input at ${key} entry \\d+-\\d+: no "trade" field$`));
    expect(messages[1]).toContain('INVALID_JSON');
    expect(messages[2]).toContain('INVALID_TRADE: Invalid trade: price');
    expect(messages[3]).toContain(`TOKEN_NOT_TRACKED: Token not found or not tracked: ${UNTRACKED}`);
    expect(messages[4]).toContain('INVALID_TRADE');
    await eventually(async () => (await pendingCount(prefix)) === 0, { timeoutMs: 2000, what: 'bad entries acknowledged' });
    expect(feed.stats()).toMatchObject({ emitted: 1, rejected: 5, acked: 6 });
  });

  it('applies a trade once when an indexer adds it twice, across consumers (the Redis guard)', async () => {
    const prefix = uniquePrefix('stream-dup');
    const trades = ingestTestTrades(20, NOW);
    await xaddTrades(admin, prefix, [...trades.slice(0, 10), ...trades.slice(0, 3)]);
    const first = await consume(prefix, { consumer: 'one' });
    await eventually(async () => first.feed.stats().acked === 13, { timeoutMs: 5000, what: 'the first batch acknowledged' });
    expect(first.applied).toEqual(trades.slice(0, 10));
    expect(first.feed.stats().duplicates).toBe(3);
    await first.feed.stop();
    // A fresh consumer (another process: empty in-memory set) meets retried entries: only the guard knows.
    await xaddTrades(admin, prefix, [...trades.slice(5, 20)]);
    const second = await consume(prefix, { consumer: 'two' });
    await eventually(async () => second.feed.stats().acked === 15, { timeoutMs: 5000, what: 'the second batch acknowledged' });
    expect(second.applied).toEqual(trades.slice(10));
    expect(second.feed.stats().duplicates).toBe(5);
  });

  it('without the Redis guard only the in-memory set dedups (what guardTtlMs buys)', async () => {
    const prefix = uniquePrefix('stream-noguard');
    const [trade] = ingestTestTrades(1, NOW);
    await xaddTrades(admin, prefix, [trade!, trade!]);
    const first = await consume(prefix, { consumer: 'one', guardTtlMs: 0 });
    await eventually(async () => first.feed.stats().acked === 2, { timeoutMs: 5000, what: 'acknowledged' });
    await first.feed.stop();
    await xaddTrades(admin, prefix, [trade!]);
    const second = await consume(prefix, { consumer: 'two', guardTtlMs: 0 });
    await eventually(async () => second.applied.length === 1, { timeoutMs: 5000, what: 'applied again by a fresh process' });
    expect(first.applied).toEqual([trade]);
    expect((await admin.keys(`${prefix}ingest:seen:*`)).length).toBe(0);
  });

  it('guards applied trades with a TTL', async () => {
    const prefix = uniquePrefix('stream-ttl');
    await xaddTrades(admin, prefix, ingestTestTrades(3, NOW));
    const { feed } = await consume(prefix, { guardTtlMs: 60_000 });
    await eventually(async () => feed.stats().acked === 3, { timeoutMs: 5000, what: 'acknowledged' });
    const guards = await admin.keys(`${prefix}ingest:seen:*`);
    expect(guards).toHaveLength(3);
    const ttl = await admin.pttl(guards[0]!);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('takes over the pending entries of a dead consumer with XAUTOCLAIM once they idle past claimIdleMs, on its claim timer', async () => {
    const prefix = uniquePrefix('stream-claim');
    const key = ingestStreamKey(prefix);
    const trades = ingestTestTrades(60, NOW);
    await admin.call('XGROUP', 'CREATE', key, 'mdg-engine', '0', 'MKSTREAM');
    await xaddTrades(admin, prefix, trades);
    // A consumer that read 40 entries and died before acknowledging any.
    const ghostIds = streamEntries(await admin.call('XREADGROUP', 'GROUP', 'mdg-engine', 'ghost', 'COUNT', '40', 'STREAMS', key, '>')).map(([id]) => id);
    expect(ghostIds).toHaveLength(40);
    const claimTimer = new ManualIntervalTimer();
    const CLAIM_IDLE_MS = 60_000;
    const { feed, applied } = await consume(prefix, { consumer: 'heir', claimIdleMs: CLAIM_IDLE_MS, claimIntervalMs: 50, claimTimer });
    expect(claimTimer.activeCount()).toBe(1);
    // The 20 unread entries come at once; the round run at start finds the ghost's entries too fresh to take.
    await eventually(() => applied.length === 20 && feed.stats().claimRounds === 1, { timeoutMs: 5000, what: 'the unread entries and the first claim round' });
    expect(applied).toEqual(trades.slice(40));
    expect(feed.stats().claimed).toBe(0);
    // Redis measures idleness with its own clock: age the ghost's entries there (XCLAIM IDLE keeps them on the ghost).
    await admin.call('XCLAIM', key, 'mdg-engine', 'ghost', '0', ...ghostIds, 'IDLE', String(CLAIM_IDLE_MS + 1000), 'JUSTID');
    // Until the claim timer fires, no round runs, however idle the entries are.
    expect(feed.stats()).toMatchObject({ claimRounds: 1, claimed: 0 });
    claimTimer.tick();
    await eventually(() => applied.length === 60, { timeoutMs: 5000, what: 'the ghost’s entries' });
    expect(applied.slice(20)).toEqual(trades.slice(0, 40));
    expect(feed.stats()).toMatchObject({ claimed: 40, claimRounds: 2, emitted: 60, duplicates: 0 });
    await eventually(async () => (await pendingCount(prefix)) === 0, { timeoutMs: 2000, what: 'nothing pending' });
    const consumers = (await admin.call('XINFO', 'CONSUMERS', key, 'mdg-engine')) as string[][];
    const ghost = consumers.find((fields) => fields[1] === 'ghost')!;
    expect(ghost[3]).toBe(0);
    await feed.stop();
    expect(claimTimer.activeCount()).toBe(0);
  });

  it('re-reads its own unacknowledged entries when it restarts under the same name', async () => {
    const prefix = uniquePrefix('stream-own');
    const key = ingestStreamKey(prefix);
    const trades = ingestTestTrades(10, NOW);
    await admin.call('XGROUP', 'CREATE', key, 'mdg-engine', '0', 'MKSTREAM');
    await xaddTrades(admin, prefix, trades);
    await admin.call('XREADGROUP', 'GROUP', 'mdg-engine', 'node-1', 'COUNT', '4', 'STREAMS', key, '>');
    const { feed, applied } = await consume(prefix, { consumer: 'node-1' });
    await eventually(async () => applied.length === 10, { timeoutMs: 5000, what: 'every trade' });
    // Its own four first, without waiting for claimIdleMs.
    expect(applied).toEqual(trades);
    expect(feed.stats()).toMatchObject({ redelivered: 4, claimed: 0 });
  });

  it('applies every trade exactly once across consumer crashes (connection killed mid-batch, consumer replaced)', async () => {
    const prefix = uniquePrefix('stream-crash');
    const produced = ingestTestTrades(2000, NOW);
    // The engine and what it has applied outlive the consumers, as in an engine node.
    const applied: Trade[] = [];
    const appliedKeys = new RecentTradeKeys(10_000);
    const common: Partial<RedisStreamTradeFeedOptions> = { applied: appliedKeys, batchSize: 25, claimIdleMs: 300, claimIntervalMs: 50 };
    let killId: string | undefined;
    let kills = 0;
    let abandoned: Promise<void> | undefined;
    // Consumer A's connection is killed while a batch is applied but not yet acknowledged (the
    // kill is sent from inside onTrade, then the batch takes 50 ms more). The first time A
    // reconnects and finds its own entries again; the second time it is abandoned for good.
    const a: Running = await consume(prefix, { ...common, consumer: 'a', name: 'crash-a' }, (trade) => {
      applied.push(trade);
      const due = (kills === 0 && applied.length >= 300) || (kills === 1 && applied.length >= 900);
      if (!due || killId === undefined) return;
      kills += 1;
      void admin.call('CLIENT', 'KILL', 'ID', killId);
      killId = undefined;
      busy(50);
      if (kills === 2) abandoned = a.feed.stop();
    });
    killId = await connectionId(a.feed);
    const watchId = (async () => {
      // After the first kill, learn the id of A's new connection for the second one.
      await eventually(async () => kills === 1, { timeoutMs: 20_000, what: 'the first kill' });
      await eventually(
        async () => {
          const id = await connectionId(a.feed);
          if (id !== undefined && a.feed.state() === 'live') killId = id;
          return killId !== undefined;
        },
        { timeoutMs: 5000, what: 'A reconnected' },
      );
    })();

    const producing = (async () => {
      for (let i = 0; i < produced.length; i += 40) {
        await xaddTrades(admin, prefix, produced.slice(i, i + 40));
        await delay(2);
      }
    })();
    await watchId;
    await eventually(async () => abandoned !== undefined, { timeoutMs: 20_000, what: 'consumer A abandoned' });
    await abandoned;
    const b = await consume(prefix, { ...common, consumer: 'b', name: 'crash-b' }, (trade) => void applied.push(trade));
    await producing;
    await eventually(async () => applied.length >= produced.length && (await pendingCount(prefix)) === 0, {
      timeoutMs: 20_000,
      what: 'every trade applied and acknowledged',
    });
    await delay(200);

    const ids = applied.map((trade) => trade.tradeId);
    expect(new Set(ids).size).toBe(ids.length); // no duplicates
    expect([...ids].sort()).toEqual(produced.map((trade) => trade.tradeId).sort()); // nothing missing
    expectSameCandlesAsProduced(applied, produced);
    // The crashes hit where intended: A found its own unacknowledged batch again after the first
    // kill, and B took over what A held when it was abandoned, skipping what A had applied.
    const statsA = a.feed.stats();
    const statsB = b.feed.stats();
    expect(statsA.ackFailures).toBe(2);
    expect(statsA.redelivered).toBeGreaterThan(0);
    expect(statsB.claimed).toBeGreaterThan(0);
    expect(statsA.duplicates).toBeGreaterThan(0);
    expect(statsB.duplicates).toBeGreaterThan(0);
  });

  it('tracks an unknown token on its first trade when auto-tracking is configured, and records it', async () => {
    const prefix = uniquePrefix('stream-autotrack');
    const tokens = new MemoryTokenRegistry();
    const registry = new InstrumentRegistry(INGEST_TEST_TOKENS);
    const [base] = ingestTestTrades(1, NOW);
    await xaddTrades(admin, prefix, [{ ...base!, instrument: UNTRACKED }]);
    const { feed, applied } = await consume(prefix, { registry, tokens, autoTrack: { quoteToken: WRAPPED_SOL_MINT, decimals: 6 } });
    await eventually(async () => applied.length === 1, { timeoutMs: 5000, what: 'the trade of the new token' });
    expect(registry.findToken(UNTRACKED)).toMatchObject({ decimals: 6, quoteToken: WRAPPED_SOL_MINT });
    await eventually(async () => (await tokens.get(UNTRACKED))?.origin === 'auto', { timeoutMs: 2000, what: 'the token recorded' });
    expect(feed.stats().autoTracked).toBe(1);
    await tokens.close();
  });

  it('stops promptly while waiting for entries, and can be stopped before it started', async () => {
    const prefix = uniquePrefix('stream-stop');
    const { feed } = await consume(prefix, { blockMs: 5000 });
    await delay(50);
    const startedAt = Date.now();
    await feed.stop();
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(feed.state()).toBe('stopped');
    await feed.stop();
    const idle = new RedisStreamTradeFeed({ connection: server.url, keyPrefix: prefix, registry: new InstrumentRegistry() });
    await idle.stop();
    expect(idle.state()).toBe('stopped');
  });

  it('refuses a malformed configuration', () => {
    const registry = new InstrumentRegistry();
    expect(() => new RedisStreamTradeFeed({ connection: server.url, keyPrefix: 'p:', registry, batchSize: 0, blockMs: 1, guardTtlMs: -1 })).toThrow(
      /batchSize.*blockMs.*guardTtlMs/s,
    );
    expect(() => new RedisStreamTradeFeed({ connection: server.url, keyPrefix: 'has space', registry })).toThrow('keyPrefix');
  });

  it('uses the documented entry format', async () => {
    const prefix = uniquePrefix('stream-format');
    const [trade] = ingestTestTrades(1, NOW);
    const [id] = await xaddTrades(admin, prefix, [trade!], { maxLen: 1000 });
    const entries = (await admin.xrange(`${prefix}ingest:trades`, '-', '+')) as [string, string[]][];
    expect(entries).toEqual([
      [
        id,
        [
          'trade',
          JSON.stringify({
            instrument: PUMPCAT!.tokenAddress,
            price: trade!.price,
            size: trade!.size,
            side: trade!.side,
            time: trade!.time,
            tradeId: 't0',
            source: 'test-dex',
          }),
        ],
      ],
    ]);
    const clock = new ManualClock(NOW);
    const { applied } = await consume(prefix, { clock });
    await eventually(async () => applied.length === 1, { timeoutMs: 5000, what: 'the trade' });
  });
});

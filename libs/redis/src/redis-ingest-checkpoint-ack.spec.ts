import { Redis } from 'ioredis';
import { MarketEngine } from '@mdg/engine';
import { InstrumentRegistry, type Candle, type Trade } from '@mdg/model';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { closeRedisClient } from '@mdg/redis-client';
import { ingestStreamKey } from './ingest-stream-format';
import { RedisEngineLease } from './redis-engine-lease';
import { RedisEngineStateStore } from './redis-engine-state-store';
import { redisKeys } from './redis-keys';
import { RedisStreamTradeFeed } from './redis-stream-trade-feed';
import { CuttableProxy } from './testing/cuttable-proxy';
import { INGEST_TEST_TOKENS, ingestTestTrades } from './testing/ingest-fixtures';
import { xaddTrades } from './xadd-trades';

const NOW = Date.now();
const GRACE_MS = 3_600_000;
const registry = new InstrumentRegistry(INGEST_TEST_TOKENS);

/** Every final candle an engine holds, volumes rounded (float sums depend on the order of application). */
function finals(engine: MarketEngine): { key: string; candle: Candle }[] {
  return engine.candles
    .collect(NOW + 2 * GRACE_MS + 1)
    .filter((update) => update.closed)
    .map((update) => ({
      key: `${update.instrument}:${update.timeframe}`,
      candle: { ...update.candle, volumeUsd: Math.round(update.candle.volumeUsd * 1e6) / 1e6 },
    }))
    .sort((a, b) => a.key.localeCompare(b.key) || a.candle.time - b.candle.time);
}

function newEngine(): MarketEngine {
  return new MarketEngine(registry, { candles: { timeframes: [1, 60], graceMs: GRACE_MS } });
}

function reference(trades: readonly Trade[]): ReturnType<typeof finals> {
  const engine = newEngine();
  for (const trade of trades) engine.applyValidated(trade, NOW);
  return finals(engine);
}

/**
 * Issue 13: an ingest entry is acknowledged by the engine checkpoint that holds its trade (one
 * fenced script), so an owner whose checkpoints fail stops acknowledging and applying, and an
 * owner that dies between applying and checkpointing loses no acknowledged trade.
 */
describe('ingest entries acknowledged by the checkpoint that holds them', () => {
  let server: RedisServerHandle;
  let admin: Redis;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
  });

  afterAll(async () => {
    await closeRedisClient(admin);
    await server.stop();
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function pending(prefix: string): Promise<number> {
    const summary = (await admin.call('XPENDING', ingestStreamKey(prefix), 'mdg-engine')) as [number, ...unknown[]];
    return Number(summary[0]);
  }

  /** One engine owner: lease, state store (through `storeUrl`), engine, ingest feed, and a checkpoint every 20 ms. */
  async function owner(prefix: string, name: string, storeUrl = server.url) {
    const lease = await RedisEngineLease.connect({ connection: server.url, keyPrefix: prefix, ownerId: name, ttlMs: 60_000 });
    closers.push(() => lease.close());
    const epoch = await eventually(async () => lease.tryAcquire(), { what: `${name} acquiring the lease`, timeoutMs: 5000 });
    const store = await RedisEngineStateStore.connect({
      connection: storeUrl,
      keyPrefix: prefix,
      commandTimeoutMs: 300,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    closers.push(() => store.close());
    const engine = newEngine();
    const loaded = await store.load();
    engine.candles.restore(loaded.candles);
    engine.ticker.restore(loaded.tickers);
    const applied: Trade[] = [];
    const progress = { saved: 0, failed: 0, refused: 0, appliedAtLastSave: 0 };
    let full = true;
    let saving = false;
    const checkpoint = async (): Promise<void> => {
      if (saving) return;
      saving = true;
      // Captured in one synchronous step with save(), which takes the acknowledgements.
      const state = { candles: engine.candles.checkpoint(full), tickers: engine.ticker.checkpoint(full) };
      const count = applied.length;
      try {
        if (await store.save(epoch, state)) {
          progress.saved += 1;
          progress.appliedAtLastSave = count;
          full = false;
        } else progress.refused += 1;
      } catch {
        progress.failed += 1;
        full = true;
      } finally {
        saving = false;
      }
    };
    const timer = setInterval(() => void checkpoint(), 20);
    closers.push(() => Promise.resolve(clearInterval(timer)));
    const feed = new RedisStreamTradeFeed({
      connection: server.url,
      keyPrefix: prefix,
      registry,
      consumer: name,
      batchSize: 5,
      blockMs: 50,
      acks: store.acks,
      takeOverPending: true,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    closers.push(() => feed.stop());
    await feed.start({
      onTrade: (trade) => {
        engine.applyValidated(trade, NOW);
        applied.push(trade);
      },
      onError: () => undefined,
    });
    return { lease, store, engine, feed, applied, progress, stop: () => clearInterval(timer) };
  }

  it('stops acknowledging and applying while checkpoints fail, and catches up exactly after', async () => {
    const prefix = uniquePrefix('ack-outage');
    const proxy = await CuttableProxy.start(server);
    closers.push(() => proxy.close());
    const node = await owner(prefix, 'engine-a', proxy.url);
    const trades = ingestTestTrades(60, NOW);
    await xaddTrades(admin, prefix, trades.slice(0, 20));
    await eventually(async () => node.applied.length === 20 && (await pending(prefix)) === 0, {
      what: 'the first trades applied and acknowledged',
      timeoutMs: 10_000,
    });

    // The state store's connection drops and keeps reconnecting; the feed's own connection is fine.
    await proxy.cut();
    await xaddTrades(admin, prefix, trades.slice(20, 40));
    await eventually(() => node.feed.stats().pauses > 0 && node.progress.failed > 0, { what: 'the feed pausing on failed checkpoints', timeoutMs: 10_000 });
    const appliedWhenPaused = node.applied.length;
    await xaddTrades(admin, prefix, trades.slice(40));
    const failedBefore = node.progress.failed;
    await eventually(() => node.progress.failed >= failedBefore + 5, { what: 'more checkpoints failing', timeoutMs: 10_000 });
    // Nothing acknowledged beyond the last saved checkpoint, nothing applied once the failure was seen.
    expect(node.applied.length).toBe(appliedWhenPaused);
    expect(await pending(prefix)).toBe(node.applied.length - node.progress.appliedAtLastSave);
    expect(node.feed.state()).toBe('stale');

    await proxy.restore();
    await eventually(async () => node.applied.length === 60 && (await pending(prefix)) === 0, { what: 'catching up after the outage', timeoutMs: 10_000 });
    expect(finals(node.engine)).toEqual(reference(trades));
    // What a successor would start from holds every trade, once.
    const restored = newEngine();
    restored.candles.restore((await node.store.load()).candles);
    expect(finals(restored)).toEqual(reference(trades));
  });

  it('a hung Redis (SIGSTOP) while trades flow: reading pauses, and after SIGCONT every trade is saved once', async () => {
    const prefix = uniquePrefix('ack-sigstop');
    const node = await owner(prefix, 'engine-a');
    const trades = ingestTestTrades(40, NOW);
    await xaddTrades(admin, prefix, trades.slice(0, 20));
    await eventually(async () => node.applied.length === 20 && (await pending(prefix)) === 0, { what: 'the first trades saved', timeoutMs: 10_000 });
    const pid = Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1]);
    process.kill(pid, 'SIGSTOP');
    try {
      // The feed cannot read from a hung server either: it reports stale, and the ledger keeps it paused until a save succeeds.
      await eventually(() => node.progress.failed > 1 && node.feed.state() === 'stale', { what: 'checkpoints failing and the feed stale', timeoutMs: 15_000 });
      expect(node.applied.length).toBe(20);
      expect(node.store.acks.accepting()).toBe(false);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await xaddTrades(admin, prefix, trades.slice(20));
    await eventually(async () => node.applied.length === 40 && (await pending(prefix)) === 0, { what: 'catching up after SIGCONT', timeoutMs: 15_000 });
    expect(finals(node.engine)).toEqual(reference(trades));
    const restored = newEngine();
    restored.candles.restore((await node.store.load()).candles);
    expect(finals(restored)).toEqual(reference(trades));
  });

  it('leaves unsaved trades unacknowledged; the next owner takes them over at once and applies each once', async () => {
    const prefix = uniquePrefix('ack-takeover');
    const first = await owner(prefix, 'engine-a');
    const trades = ingestTestTrades(40, NOW);
    await xaddTrades(admin, prefix, trades.slice(0, 20));
    await eventually(async () => first.applied.length === 20 && (await pending(prefix)) === 0, {
      what: 'the first trades saved and acknowledged',
      timeoutMs: 10_000,
    });
    // Checkpoints stop (as in a kill -9 between applying and checkpointing): what follows is applied, never acknowledged.
    first.stop();
    await xaddTrades(admin, prefix, trades.slice(20));
    await eventually(() => first.applied.length === 40, { what: 'the rest applied', timeoutMs: 10_000 });
    expect(await pending(prefix)).toBe(20);
    await first.feed.stop();
    await first.lease.release();

    const second = await owner(prefix, 'engine-b');
    // Well before claimIdleMs (30 s): taken over at promotion.
    await eventually(async () => second.applied.length === 20 && (await pending(prefix)) === 0, {
      what: 'the successor applying and saving the unsaved trades',
      timeoutMs: 10_000,
    });
    expect(second.applied.map((trade) => trade.tradeId)).toEqual(trades.slice(20).map((trade) => trade.tradeId));
    expect(finals(second.engine)).toEqual(reference(trades));
  });

  it('a deposed owner cannot acknowledge: its save is refused and its entries stay pending', async () => {
    const prefix = uniquePrefix('ack-fenced');
    const first = await owner(prefix, 'engine-a');
    first.stop();
    await xaddTrades(admin, prefix, ingestTestTrades(10, NOW));
    await eventually(() => first.applied.length === 10, { what: 'the trades applied', timeoutMs: 10_000 });
    await admin.del(redisKeys(prefix).engine.lease);
    const state = { candles: first.engine.candles.checkpoint(true), tickers: first.engine.ticker.checkpoint(true) };
    expect(await first.store.save(1, state)).toBe(false);
    expect(await pending(prefix)).toBe(10);
    expect(first.store.acks.size()).toBe(10);
  });
});

import { Redis } from 'ioredis';
import { MarketEngine } from '@mdg/engine';
import { InstrumentRegistry, WRAPPED_SOL_MINT, type Candle, type TokenDefinition, type Trade } from '@mdg/model';
import { ingestStreamKey, RedisEngineStateStore, RedisTokenRegistry, xaddTrades } from '@mdg/redis';
import { closeRedisClient } from '@mdg/redis-client';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { GatewayProcess } from './testing/gateway-process';

const FAR_GRACE_MS = 3_600_000;
const TOKENS: readonly TokenDefinition[] = [
  { tokenAddress: 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n', quoteToken: WRAPPED_SOL_MINT, decimals: 6, symbol: 'PUMPCAT' },
  { tokenAddress: 'AdcadySzbmkkTUUUfi5XZ3DA5oh2B71FLptps8nj61PB', quoteToken: WRAPPED_SOL_MINT, decimals: 9, symbol: 'MOONDOG' },
];

/** `count` trades with distinct ids and increasing times over the last ~`count` × 37 ms. */
function tradesUntil(count: number, endMs: number): Trade[] {
  const start = endMs - count * 37 - 1000;
  return Array.from({ length: count }, (_, i) => ({
    instrument: TOKENS[i % TOKENS.length]!.tokenAddress,
    price: 0.001 * (1 + ((i * 7919) % 97) / 10),
    size: 1000 + ((i * 104_729) % 5000),
    side: i % 3 === 0 ? 'sell' : 'buy',
    time: start + i * 37,
    tradeId: `t${i}`,
    source: 'test-dex',
  }));
}

/** Every candle (final once collected far in the future), volumes rounded: float sums depend on the order of application. */
function candles(engine: MarketEngine, nowMs: number): { key: string; candle: Candle }[] {
  return engine.candles
    .collect(nowMs + 2 * FAR_GRACE_MS)
    .filter((update) => update.closed)
    .map((update) => ({
      key: `${update.instrument}:${update.timeframe}`,
      candle: { ...update.candle, volumeUsd: Math.round(update.candle.volumeUsd * 1e6) / 1e6 },
    }))
    .sort((a, b) => a.key.localeCompare(b.key) || a.candle.time - b.candle.time);
}

/**
 * Issue 13: an engine killed with SIGKILL between applying ingest trades and checkpointing them
 * loses no acknowledged trade: its unsaved entries were never acknowledged, the standby takes
 * them over at promotion, and each trade is in the standby's state exactly once.
 */
describe('kill -9 of the active engine while ingest trades flow', () => {
  let redis: RedisServerHandle;
  let admin: Redis;
  const processes: GatewayProcess[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
  });

  afterAll(async () => {
    await Promise.all(processes.splice(0).map((gateway) => gateway.kill()));
    await closeRedisClient(admin);
    await redis.stop();
  });

  it('the standby applies every pushed trade once', async () => {
    const prefix = uniquePrefix('engine-kill-ingest');
    const tokens = await RedisTokenRegistry.open({ connection: redis.url, keyPrefix: prefix });
    for (const token of TOKENS) await tokens.add(token);
    await tokens.close();
    const env: Record<string, string> = {
      REDIS_URL: redis.url,
      MDG_REDIS_PREFIX: prefix,
      MDG_ROLES: 'engine',
      MDG_FEED: 'ingest',
      MDG_ENGINE_LEASE_TTL_MS: '1500',
      // No bucket closes during the test: the stored open candles then hold every applied trade.
      MDG_CANDLE_GRACE_INGEST_MS: '60000',
    };
    const owner = await GatewayProcess.spawn('engine-1', env);
    processes.push(owner);
    await owner.waitForLog(/owner with epoch/);
    const standby = await GatewayProcess.spawn('engine-2', env);
    processes.push(standby);
    await eventually(async () => (await fetch(`${standby.url}/readyz`)).status === 200, { what: 'the standby ready', timeoutMs: 10_000 });

    const now = Date.now();
    const trades: Trade[] = tradesUntil(600, now);
    const stream = ingestStreamKey(prefix);
    const pending = async (): Promise<number> => Number(((await admin.call('XPENDING', stream, 'mdg-engine')) as [number])[0]);
    // A first part applied and checkpointed, then more in flight: kill the owner while some are read but not yet saved.
    await xaddTrades(admin, prefix, trades.slice(0, 100));
    await eventually(async () => (await pending()) === 0 && (await delivered()) === 100, { what: 'the first trades saved', timeoutMs: 10_000 });
    let next = 100;
    let killedWithPending = 0;
    while (next < 400) {
      await xaddTrades(admin, prefix, trades.slice(next, next + 20));
      next += 20;
      await eventually(async () => (await delivered()) === next, { what: `the owner reading ${next} entries`, timeoutMs: 10_000 });
      // Read (and, within microseconds, applied) but not yet in a saved checkpoint.
      killedWithPending = await pending();
      if (killedWithPending > 0) break;
    }
    await owner.kill();
    await xaddTrades(admin, prefix, trades.slice(next));
    await standby.waitForLog(/owner with epoch/);
    await eventually(async () => (await pending()) === 0 && (await delivered()) === trades.length, {
      what: 'the standby applying and saving every entry',
      timeoutMs: 20_000,
    });

    const store = await RedisEngineStateStore.connect({ connection: redis.url, keyPrefix: prefix });
    const saved = await store.load();
    await store.close();
    const registry = new InstrumentRegistry(TOKENS);
    const restored = new MarketEngine(registry, { candles: { graceMs: FAR_GRACE_MS } });
    restored.candles.restore(saved.candles);
    const reference = new MarketEngine(registry, { candles: { graceMs: FAR_GRACE_MS } });
    for (const trade of trades) reference.applyValidated(trade, now);
    expect(candles(restored, now)).toEqual(candles(reference, now));
    // The kill came while entries were read but unsaved: the window where acknowledging early lost trades.
    expect(killedWithPending).toBeGreaterThan(0);

    /** Entries delivered to some consumer of the group (XINFO GROUPS entries-read). */
    async function delivered(): Promise<number> {
      const groups = (await admin.call('XINFO', 'GROUPS', stream)) as unknown[][];
      const fields = groups[0] ?? [];
      const index = fields.indexOf('entries-read');
      return index < 0 ? 0 : Number(fields[index + 1]);
    }
  }, 90_000);
});

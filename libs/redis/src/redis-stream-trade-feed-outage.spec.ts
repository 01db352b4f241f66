import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { InstrumentRegistry, type Trade } from '@mdg/model';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { expectSameCandles } from '@mdg/engine/testing';
import { closeRedisClient } from '@mdg/redis-client';
import { ingestStreamKey } from './ingest-stream-format';
import { RedisStreamTradeFeed } from './redis-stream-trade-feed';
import { INGEST_TEST_TOKENS, ingestTestTrades } from './testing/ingest-fixtures';
import { xaddTrades } from './xadd-trades';

const NOW = Date.now();
const GROUP = 'mdg-engine';

describe('RedisStreamTradeFeed across crashes and outages', () => {
  let server: RedisServerHandle;
  let admin: Redis;
  const feeds: RedisStreamTradeFeed[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { reconnectOnError: null, retryStrategy: (attempt) => Math.min(attempt * 20, 200) });
    admin.on('error', () => undefined); // the server is killed on purpose below
    process.on('unhandledRejection', onUnhandled);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await closeRedisClient(admin);
    await server.stop();
  });

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((feed) => feed.stop()));
    if (!server.running) await server.restart();
    expect(unhandled).toEqual([]);
  });

  function consumer(
    keyPrefix: string,
    name: string,
    claimIdleMs: number,
  ): { feed: RedisStreamTradeFeed; applied: Trade[]; errors: Error[]; started: Promise<void> } {
    const feed = new RedisStreamTradeFeed({
      connection: server.url,
      keyPrefix,
      registry: new InstrumentRegistry(INGEST_TEST_TOKENS),
      consumer: name,
      name,
      batchSize: 20,
      blockMs: 50,
      claimIdleMs,
      claimIntervalMs: 50,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    feeds.push(feed);
    const applied: Trade[] = [];
    const errors: Error[] = [];
    const started = feed.start({ onTrade: (trade) => void applied.push(trade), onError: (error) => errors.push(error) });
    return { feed, applied, errors, started };
  }

  it('a consumer process killed with SIGKILL mid-batch: the heir claims its entries; the effect is exactly once', async () => {
    const prefix = uniquePrefix('stream-kill9');
    const produced = ingestTestTrades(1500, NOW);
    const tradeIdOf = new Map<string, string>();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(__dirname, 'testing', 'stream-consumer-process.ts'),
        server.url,
        prefix,
        'doomed',
        '20',
        JSON.stringify(INGEST_TEST_TOKENS),
        '410',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const closed = new Promise((resolve) => child.once('close', resolve));
    let output = '';
    let errorOutput = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (errorOutput += chunk.toString()));
    const childApplied = (): string[] => [...output.matchAll(/^applied (\S+)$/gm)].map((match) => match[1]!);
    try {
      await eventually(async () => output.includes('live\n'), { timeoutMs: 20_000, what: `the consumer process (stderr: ${errorOutput})` });
      const producing = (async () => {
        for (let i = 0; i < produced.length; i += 30) {
          const chunk = produced.slice(i, i + 30);
          const ids = await xaddTrades(admin, prefix, chunk);
          ids.forEach((id, index) => tradeIdOf.set(id, chunk[index]!.tradeId));
          await delay(3);
        }
      })();
      // It stalls inside onTrade of its 410th trade: part of a batch applied, nothing of it acknowledged.
      await eventually(async () => output.includes('stalled\n'), { timeoutMs: 20_000, what: 'the consumer process stalled mid-batch' });
      child.kill('SIGKILL');
      await closed;
      // Commands the process sent before dying still run: wait until Redis dropped its connection.
      await eventually(async () => !((await admin.call('CLIENT', 'LIST')) as string).includes('name=mdg-ingest-doomed '), {
        timeoutMs: 5000,
        what: 'the dead connection gone',
      });
      const pending = (await admin.call('XPENDING', ingestStreamKey(prefix), GROUP, '-', '+', '10000', 'doomed')) as [string, ...unknown[]][];
      const orphaned = new Set(pending.map(([id]) => tradeIdOf.get(id) ?? id));

      const heir = consumer(prefix, 'heir', 300);
      await heir.started;
      await producing;
      await eventually(
        async () =>
          childApplied().length + heir.applied.length >= produced.length &&
          Number(((await admin.call('XPENDING', ingestStreamKey(prefix), GROUP)) as unknown[])[0]) === 0,
        { timeoutMs: 20_000, what: 'every entry applied and acknowledged' },
      );
      await delay(200);

      const fromChild = childApplied();
      const fromHeir = heir.applied.map((trade) => trade.tradeId);
      // What the dead process applied but never acknowledged died with it (its engine state);
      // the heir re-applied exactly those. Everything it acknowledged stays applied once.
      const redone = fromHeir.filter((id) => fromChild.includes(id));
      for (const id of redone) expect(orphaned.has(id)).toBe(true);
      expect(redone.length).toBeGreaterThanOrEqual(1);
      expect(redone.length).toBeLessThanOrEqual(orphaned.size);
      expect(orphaned.size).toBeLessThanOrEqual(20);
      const effect = [...fromChild.filter((id) => !orphaned.has(id)), ...fromHeir];
      expect(new Set(effect).size).toBe(effect.length);
      expect([...effect].sort()).toEqual(produced.map((trade) => trade.tradeId).sort());
      const byId = new Map(produced.map((trade) => [trade.tradeId, trade]));
      expectSameCandles(
        new InstrumentRegistry(INGEST_TEST_TOKENS),
        effect.map((id) => byId.get(id)!),
        produced,
        { timeframes: [1, 60], nowMs: NOW },
      );
      expect(heir.feed.stats().claimed).toBe(orphaned.size);
      expect(heir.errors).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      await closed;
    }
  });

  it('survives a Redis restart that lost the stream: reports it once, recreates the group, goes on', async () => {
    const prefix = uniquePrefix('stream-restart');
    const trades = ingestTestTrades(40, NOW);
    const { feed, applied, errors, started } = consumer(prefix, 'survivor', 30_000);
    await started;
    await eventually(async () => feed.state() === 'live', { timeoutMs: 5000, what: 'live' });
    await xaddTrades(admin, prefix, trades.slice(0, 20));
    await eventually(async () => applied.length === 20, { timeoutMs: 5000, what: 'the first trades' });
    await server.kill();
    await eventually(async () => feed.state() === 'stale', { timeoutMs: 5000, what: 'stale while Redis is down' });
    await delay(300);
    expect(errors.filter((error) => (error as { code?: string }).code === 'SERVICE_UNAVAILABLE')).toHaveLength(1);
    await server.restart();
    await eventually(async () => admin.status === 'ready', { timeoutMs: 5000, what: 'the admin connection back' });
    await eventually(async () => feed.state() === 'live', { timeoutMs: 5000, what: 'live again' });
    await xaddTrades(admin, prefix, trades.slice(20));
    await eventually(async () => applied.length === 40, { timeoutMs: 5000, what: 'the trades after the restart' });
    expect(applied).toEqual(trades);
    expect(feed.stats().redisFailures).toBeGreaterThan(0);
  });
});

import WebSocket from 'ws';
import { SIMULATED_TOKENS } from '@mdg/feeds';
import { RedisKeyStore } from '@mdg/redis';
import { eventually, frameText, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { GatewayProcess } from './testing/gateway-process';

const TOKEN = SIMULATED_TOKENS[0]!.tokenAddress;

interface ChartEvent {
  event: string;
  candle: { time: number; closed: boolean; trades: number };
  seq: number;
  epoch: number;
}

/**
 * Issue 13: a Redis restarted without persistence forgot the lease, the engine state and the
 * seqs. The engine that holds the state must carry on: the open candle keeps its trades, seq
 * keeps rising, and the standby (which has nothing) stays a standby.
 */
describe('engine across a Redis restart without persistence', () => {
  let redis: RedisServerHandle;
  const processes: GatewayProcess[] = [];
  let ws: WebSocket | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    ws?.terminate();
    await Promise.all(processes.splice(0).map((gateway) => gateway.kill()));
    await redis.stop();
  });

  it('keeps the owner, its open candles and rising seqs; the standby stays a standby', async () => {
    const prefix = uniquePrefix('engine-restart');
    const env = (roles: string): Record<string, string> => ({
      REDIS_URL: redis.url,
      MDG_REDIS_PREFIX: prefix,
      MDG_ROLES: roles,
      MDG_SIM_RATE: '1500',
      MDG_ENGINE_LEASE_TTL_MS: '1500',
    });
    const owner = await GatewayProcess.spawn('engine-1', env('engine'));
    processes.push(owner);
    await owner.waitForLog(/owner with epoch/);
    const standby = await GatewayProcess.spawn('engine-2', env('engine'));
    const edge = await GatewayProcess.spawn('edge-a', env('edge'));
    processes.push(standby, edge);
    // The standby has tried (and been refused) at least once: it knows an owner exists.
    await eventually(async () => (await fetch(`${standby.url}/readyz`)).status === 200, { what: 'the standby ready', timeoutMs: 10_000 });
    const store = await RedisKeyStore.open({ connection: redis.url, keyPrefix: prefix, reconcileIntervalMs: 0 });
    const apiKey = (await store.create({ userId: 'erin', plan: 'pro' })).apiKey;
    await store.close();

    const events: ChartEvent[] = [];
    ws = new WebSocket(`ws://127.0.0.1:${edge.port}/ws/chart-live`, { headers: { 'x-api-key': apiKey } });
    ws.on('message', (data) => {
      const message = JSON.parse(frameText(data)) as ChartEvent;
      if (message.event === 'chart') events.push(message);
    });
    await new Promise((resolve, reject) => {
      ws!.once('open', resolve);
      ws!.once('error', reject);
    });
    ws.send(JSON.stringify({ tokenAddress: TOKEN, timeframe: 60 }));
    await eventually(() => events.length >= 5, { what: 'updates of the open 60 s candle', timeoutMs: 15_000 });

    await redis.kill();
    const before = events.at(-1)!;
    await redis.restart();
    await eventually(() => events.length > 0 && events.at(-1)!.seq > before.seq + 5, { what: 'updates after the restart', timeoutMs: 20_000 });

    // Same bucket (or its final first): never fewer trades than before the restart.
    const sameBucket = events.filter((event) => event.candle.time === before.candle.time && event.seq > before.seq);
    for (const event of sameBucket) expect(event.candle.trades).toBeGreaterThanOrEqual(before.candle.trades);
    const seqs = events.map((event) => event.seq);
    for (let i = 1; i < seqs.length; i += 1) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
    for (let i = 1; i < events.length; i += 1) expect(events[i]!.epoch).toBeGreaterThanOrEqual(events[i - 1]!.epoch);
    expect(standby.logs.some((line) => /owner with epoch/.test(line))).toBe(false);
    expect(owner.logs.some((line) => /going silent/.test(line))).toBe(false);
  }, 90_000);
});

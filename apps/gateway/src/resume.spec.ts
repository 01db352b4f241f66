import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { SIMULATED_TOKENS } from '@mdg/feeds';
import { RedisKeyStore } from '@mdg/redis';
import { eventually, frameText, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { Gateway } from './gateway';
import { GatewayProcess } from './testing/gateway-process';
import { embeddedTestConfig } from './testing/embedded-test-config';

const TOKEN = SIMULATED_TOKENS[0]!.tokenAddress;

interface Message {
  type?: string;
  code?: string;
  event?: string;
  complete?: boolean;
  candles?: { time: number }[];
  candle?: { time: number; closed: boolean };
  seq?: number;
  epoch?: number;
}

/** A bot on /ws/chart-live (1 s candles) that records every message in arrival order. */
class Bot {
  readonly messages: Message[] = [];
  private readonly ws: WebSocket;

  constructor(port: number, apiKey: string, subscription: Record<string, unknown>) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chart-live`, { headers: { 'x-api-key': apiKey } });
    this.ws.on('open', () => this.ws.send(JSON.stringify({ tokenAddress: TOKEN, timeframe: 1, ...subscription })));
    this.ws.on('message', (data) => this.messages.push(JSON.parse(frameText(data)) as Message));
  }

  history(): Message | undefined {
    return this.messages.find((message) => message.event === 'history');
  }

  /** Times of every final received (history, then live), in arrival order. */
  finals(): number[] {
    return this.messages.flatMap((message) => {
      if (message.event === 'history') return (message.candles ?? []).map((candle) => candle.time);
      return message.event === 'chart' && message.candle?.closed ? [message.candle.time] : [];
    });
  }

  liveFinals(): number {
    return this.messages.filter((message) => message.event === 'chart' && message.candle?.closed).length;
  }

  errors(): Message[] {
    return this.messages.filter((message) => message.type === 'error');
  }

  close(): void {
    this.ws.terminate();
  }
}

describe('resume with since: the history event itself says whether the gap is complete', () => {
  const bots: Bot[] = [];
  afterEach(() => {
    for (const bot of bots.splice(0)) bot.close();
  });
  const bot = (port: number, apiKey: string, subscription: Record<string, unknown>): Bot => {
    const made = new Bot(port, apiKey, subscription);
    bots.push(made);
    return made;
  };

  it('embedded: after a restart the answer is complete:false at once, with no error later; without one it is complete', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mdg-resume-'));
    const config = embeddedTestConfig(dir, { MDG_SIM_RATE: '800' });
    let gateway = await Gateway.create(config, { log: () => undefined });
    try {
      const apiKey = (await gateway.keyStore.create({ userId: 'bot', plan: 'pro' })).apiKey;
      const before = bot(await gateway.start(), apiKey, { history: 5 });
      await eventually(() => before.liveFinals() >= 2, { what: 'two live finals', timeoutMs: 15_000 });
      const lastFinal = before.finals().at(-1)!;
      before.close();
      await gateway.stop();
      gateway = await Gateway.create(config, { log: () => undefined });
      const port = await gateway.start();

      const resumed = bot(port, apiKey, { since: lastFinal });
      await eventually(() => resumed.liveFinals() >= 3, { what: 'three live finals after the restart', timeoutMs: 15_000 });
      // The finals of the restart are gone with the embedded store: said in the answer, not by a later error.
      expect(resumed.history()!.complete).toBe(false);
      expect(resumed.errors()).toEqual([]);

      // The same resume without a restart in between is provably complete, and gets every final once, in order.
      const again = resumed.finals().at(-1)!;
      const control = bot(port, apiKey, { since: again });
      await eventually(() => control.liveFinals() >= 2 && resumed.liveFinals() >= 7, { what: 'more finals', timeoutMs: 15_000 });
      expect(control.history()!.complete).toBe(true);
      expect(control.errors()).toEqual([]);
      const finals = control.finals();
      expect(finals).toEqual(resumed.finals().filter((time) => time > again && time <= finals.at(-1)!));
      const chart = control.messages.find((message) => message.event === 'chart')!;
      expect(chart.epoch).toBe(1);
      expect(typeof chart.seq).toBe('number');
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  describe('over Redis (engine, standby engine, worker and edge processes)', () => {
    let redis: RedisServerHandle;
    const processes: GatewayProcess[] = [];

    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterEach(async () => {
      await Promise.all(processes.splice(0).map((gateway) => gateway.kill()));
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('recovers every final across a kill -9 of the active engine: complete:true and nothing missing', async () => {
      const prefix = uniquePrefix('resume');
      const env = (roles: string): Record<string, string> => ({
        REDIS_URL: redis.url,
        MDG_REDIS_PREFIX: prefix,
        MDG_ROLES: roles,
        MDG_SIM_RATE: '800',
        MDG_ENGINE_LEASE_TTL_MS: '1500',
      });
      const spawn = async (name: string, roles: string): Promise<GatewayProcess> => {
        const gateway = await GatewayProcess.spawn(name, env(roles));
        processes.push(gateway);
        return gateway;
      };
      const owner = await spawn('engine-1', 'engine');
      await owner.waitForLog(/owner with epoch/);
      const [standby, , edge] = await Promise.all([spawn('engine-2', 'engine'), spawn('worker-1', 'worker'), spawn('edge-a', 'edge')]);
      const keys = await RedisKeyStore.open({ connection: redis.url, keyPrefix: prefix, reconcileIntervalMs: 0 });
      const apiKey = (await keys.create({ userId: 'bot', plan: 'pro' })).apiKey;
      await keys.close();

      // The reference: a bot that stays connected through the takeover sees every live final.
      const watcher = bot(edge.port, apiKey, {});
      const leaving = bot(edge.port, apiKey, { history: 5 });
      await eventually(() => leaving.liveFinals() >= 2, { what: 'two live finals', timeoutMs: 20_000 });
      const lastFinal = leaving.finals().at(-1)!;
      leaving.close();

      await owner.kill();
      await standby.waitForLog(/owner with epoch/, 15_000);
      const takeoverAt = watcher.liveFinals();
      await eventually(() => watcher.liveFinals() >= takeoverAt + 3, { what: 'three finals from the new owner', timeoutMs: 20_000 });

      const resumed = bot(edge.port, apiKey, { since: lastFinal });
      await eventually(() => resumed.liveFinals() >= 2, { what: 'the resume and two live finals', timeoutMs: 20_000 });
      expect(resumed.errors()).toEqual([]);
      expect(resumed.history()!.complete).toBe(true);
      const finals = resumed.finals();
      expect(finals).toEqual([...new Set(finals)].sort((a, b) => a - b));
      // Every final the watcher saw after lastFinal is in the resume, and nothing else before its end.
      const seen = watcher.finals().filter((time) => time > lastFinal && time <= finals.at(-1)!);
      expect(finals.filter((time) => time >= seen[0]!)).toEqual(seen);
      const epochs = watcher.messages.filter((message) => message.event === 'chart').map((message) => message.epoch!);
      expect(epochs.at(-1)!).toBeGreaterThan(epochs[0]!);
    }, 90_000);
  });
});

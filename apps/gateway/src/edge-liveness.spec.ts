import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { RedisKeyStore } from '@mdg/redis';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { GatewayProcess } from './testing/gateway-process';

/** Edge processes over a real Redis: slots follow edge liveness (kill -9), readiness follows Redis answering (SIGSTOP). */
describe('edge liveness over Redis', () => {
  let redis: RedisServerHandle;
  let redisPid: number;
  let redisStopped = false;
  let prefix: string;
  const processes: GatewayProcess[] = [];
  const sockets: Socket[] = [];

  async function edge(name: string, roles = 'edge'): Promise<GatewayProcess> {
    const gateway = await GatewayProcess.spawn(name, {
      REDIS_URL: redis.url,
      MDG_REDIS_PREFIX: prefix,
      MDG_ROLES: roles,
      MDG_CONNECTION_LEASE_TTL_MS: '3000',
    });
    processes.push(gateway);
    return gateway;
  }

  /** 'connected', or the message of the refusal. A stock client: no reconnection after a refusal. */
  function connectOutcome(gateway: GatewayProcess, apiKey: string): Promise<string> {
    const socket = io(`${gateway.url}/api-ws`, { auth: { apiKey }, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    return new Promise((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (error) => resolve(error.message));
    });
  }

  function resumeRedis(): void {
    if (!redisStopped) return;
    process.kill(redisPid, 'SIGCONT');
    redisStopped = false;
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    const admin = new Redis(redis.url);
    redisPid = Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1]);
    await admin.quit();
  });

  beforeEach(() => {
    prefix = uniquePrefix('liveness');
  });

  afterEach(async () => {
    // First, even after a failure: a stopped Redis would hang every clean-up below.
    resumeRedis();
    for (const socket of sockets.splice(0)) socket.close();
    await Promise.all(processes.splice(0).map((gateway) => gateway.kill()));
  });

  afterAll(async () => {
    resumeRedis();
    await redis.stop();
  });

  it('admits the user of a kill -9 edge on another edge at the first attempt, within 5 s', async () => {
    const [edgeA, edgeB] = await Promise.all([edge('edge-a'), edge('edge-b')]);
    const store = await RedisKeyStore.open({ connection: redis.url, keyPrefix: prefix, reconcileIntervalMs: 0 });
    const { apiKey } = await store.create({ userId: 'carol', plan: 'pro' }).finally(() => store.close());
    expect(await connectOutcome(edgeA, apiKey)).toBe('connected');
    expect(await connectOutcome(edgeA, apiKey)).toBe('connected');
    expect(await connectOutcome(edgeB, apiKey)).toBe('Connection limit exceeded');
    await edgeA.kill();
    const killedAt = Date.now();
    // One attempt, as a stock client makes it (it does not retry a refusal): admitted, not refused.
    expect(await connectOutcome(edgeB, apiKey)).toBe('connected');
    const admittedAfter = Date.now() - killedAt;
    process.stdout.write(`new connection of the kill -9 edge's user admitted after ${admittedAfter} ms\n`);
    expect(admittedAfter).toBeLessThan(5000);
  }, 60_000);

  it.each(['edge', 'engine'])(
    '/readyz of an %s process answers 503 within 3 s of a hung Redis (SIGSTOP), and 200 again after SIGCONT',
    async (roles) => {
      const gateway = await edge(`${roles}-a`, roles);
      const readyz = async (): Promise<{ status: number; reasons: string[] }> => {
        const response = await fetch(`${gateway.url}/readyz`);
        return { status: response.status, reasons: ((await response.json()) as { reasons: string[] }).reasons };
      };
      await eventually(async () => (await readyz()).status === 200, { what: `the ${roles} ready`, timeoutMs: 10_000, intervalMs: 50 });
      process.kill(redisPid, 'SIGSTOP');
      redisStopped = true;
      const stoppedAt = Date.now();
      const notReady = await eventually(
        async () => {
          const answer = await readyz();
          return answer.status === 503 ? answer : undefined;
        },
        { what: '503 from /readyz', timeoutMs: 3000, intervalMs: 50 },
      );
      const noticedAfter = Date.now() - stoppedAt;
      process.stdout.write(`hung Redis reported by /readyz after ${noticedAfter} ms: ${notReady.reasons.join('; ')}\n`);
      expect(noticedAfter).toBeLessThan(3000);
      expect(notReady.reasons.some((reason) => reason.startsWith('redis not answering'))).toBe(true);
      resumeRedis();
      await eventually(async () => (await readyz()).status === 200, { what: '200 again after SIGCONT', timeoutMs: 5000, intervalMs: 50 });
    },
    60_000,
  );
});

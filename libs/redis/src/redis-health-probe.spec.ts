import { Redis } from 'ioredis';
import { eventually, startRedisServer, type RedisServerHandle } from '@mdg/testing';
import { RedisHealthProbe } from './redis-health-probe';

describe('RedisHealthProbe', () => {
  let server: RedisServerHandle;
  let pid: number;
  let stopped = false;
  const probes: RedisHealthProbe[] = [];

  /** SIGSTOP: the process stays, its sockets stay open, nothing answers (a hung Redis). */
  function hang(): void {
    process.kill(pid, 'SIGSTOP');
    stopped = true;
  }

  function resume(): void {
    if (!stopped) return;
    process.kill(pid, 'SIGCONT');
    stopped = false;
  }

  beforeAll(async () => {
    server = await startRedisServer();
    const admin = new Redis(server.url);
    pid = Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1]);
    await admin.quit();
  });

  afterEach(async () => {
    // Even when a test failed midway: a stopped server would hang every later test and the teardown.
    resume();
    await Promise.all(probes.splice(0).map((probe) => probe.close()));
  });

  afterAll(async () => {
    resume();
    await server.stop();
  });

  async function probe(): Promise<RedisHealthProbe> {
    const created = await RedisHealthProbe.connect({
      connection: server.url,
      intervalMs: 200,
      timeoutMs: 500,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    probes.push(created);
    return created;
  }

  it('turns unhealthy within interval + timeout of a hang, and healthy again once Redis answers', async () => {
    const health = await probe();
    expect(health.check()).toEqual({ ok: true });
    hang();
    const hungAt = Date.now();
    await eventually(() => !health.check().ok, { what: 'the hang noticed', timeoutMs: 3000 });
    expect(Date.now() - hungAt).toBeLessThan(200 + 500 + 300);
    expect(health.check().reason).toMatch(/^redis not answering/);
    resume();
    await eventually(() => health.check().ok, { what: 'healthy again after SIGCONT', timeoutMs: 3000 });
    expect(health.stats().pings).toBeGreaterThan(2);
  });

  it('turns unhealthy when the server is gone, and healthy after its restart', async () => {
    const health = await probe();
    await server.kill();
    try {
      await eventually(() => !health.check().ok, { what: 'the outage noticed', timeoutMs: 3000 });
    } finally {
      await server.restart();
      const admin = new Redis(server.url);
      pid = Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1]);
      await admin.quit();
    }
    await eventually(() => health.check().ok, { what: 'healthy after the restart', timeoutMs: 5000 });
  });
});

import { ServiceUnavailableError } from '@mdg/model';
import { startRedisServer, type RedisServerHandle } from '@mdg/testing';
import { closeRedisClient, createRedisClient, reconnectDelay } from './create-redis-client';
import { RedisScript } from './redis-script';
import { waitUntilReady } from './wait-until-ready';

describe('reconnectDelay', () => {
  it('grows exponentially up to the cap, with at most half of it random', () => {
    for (let round = 0; round < 50; round++) {
      const first = reconnectDelay(1, { initialDelayMs: 100, maxDelayMs: 1000 });
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      const capped = reconnectDelay(40, { initialDelayMs: 100, maxDelayMs: 1000 });
      expect(capped).toBeGreaterThanOrEqual(500);
      expect(capped).toBeLessThanOrEqual(1000);
    }
    expect(reconnectDelay(1000)).toBeLessThanOrEqual(5000);
  });
});

describe('createRedisClient', () => {
  it('never gives up reconnecting and fails commands at once while disconnected', async () => {
    const client = createRedisClient('redis://127.0.0.1:1', 'mdg-test', { maxDelayMs: 200 }, { lazyConnect: true });
    try {
      expect(client.options.connectionName).toBe('mdg-test');
      expect(client.options.enableOfflineQueue).toBe(false);
      expect(client.options.retryStrategy?.(1000)).toBeLessThanOrEqual(200);
      await expect(client.get('anything')).rejects.toThrow();
    } finally {
      await closeRedisClient(client);
    }
    expect(client.status).toBe('end');
  });
});

describe('against a Redis server', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('waits until a connection is ready, then closes it', async () => {
    const client = createRedisClient(server.url, 'mdg-ready', undefined);
    await waitUntilReady(client, 5000, 'the test connection');
    expect(await client.ping()).toBe('PONG');
    await closeRedisClient(client);
    expect(client.status).toBe('end');
    await closeRedisClient(client); // idempotent
  });

  it('refuses with ServiceUnavailableError when the connection does not come up in time', async () => {
    const client = createRedisClient('redis://127.0.0.1:1', 'mdg-unreachable', { initialDelayMs: 50, maxDelayMs: 50 });
    try {
      await expect(waitUntilReady(client, 200, 'the unreachable connection')).rejects.toThrow(ServiceUnavailableError);
    } finally {
      await closeRedisClient(client);
    }
  });

  it('runs a script by its SHA, loading it again after the server forgot it', async () => {
    const client = createRedisClient(server.url, 'mdg-script', undefined);
    try {
      await waitUntilReady(client, 5000, 'the test connection');
      const script = new RedisScript("return redis.call('ECHO', ARGV[1])");
      expect(script.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(await script.run(client, [], ['first'])).toBe('first');
      await client.script('FLUSH');
      expect(await script.run(client, [], ['after a flush'])).toBe('after a flush');
      await script.load(client);
      expect(await client.script('EXISTS', script.sha)).toEqual([1]);
    } finally {
      await closeRedisClient(client);
    }
  });
});

import { Redis } from 'ioredis';
import type { ConnectionLease } from '@mdg/auth';
import { describeConnectionRegistryContract } from '@mdg/auth/testing';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisConnectionRegistry, type RedisConnectionRegistryOptions } from './redis-connection-registry';

let server: RedisServerHandle;
let probe: Redis;
const registries: RedisConnectionRegistry[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  probe = new Redis(server.url);
});

afterAll(async () => {
  await probe.quit();
  await server.stop();
});

afterEach(async () => {
  await Promise.all(registries.splice(0).map((registry) => registry.close()));
});

async function node(keyPrefix: string, options: Partial<RedisConnectionRegistryOptions> = {}): Promise<RedisConnectionRegistry> {
  const registry = await RedisConnectionRegistry.connect({ connection: server.url, keyPrefix, ...options });
  registries.push(registry);
  return registry;
}

describeConnectionRegistryContract('RedisConnectionRegistry', async () => {
  const prefix = uniquePrefix('registry-contract');
  const options = { leaseTtlMs: 1000, renewIntervalMs: 250 };
  const nodes = [await node(prefix, options), await node(prefix, options)] as const;
  return {
    nodes,
    heartbeatTtlMs: options.leaseTtlMs,
    crash: (index) => nodes[index].abandon(),
    close: async () => void (await Promise.all(nodes.map((registry) => registry.close()))),
  };
});

describe('RedisConnectionRegistry leases', () => {
  it('admits, in the same acquire call, a user whose slots are held by a node that stopped beating (a crash)', async () => {
    const prefix = uniquePrefix('crash');
    const TTL = 800;
    const crashed = await node(prefix, { leaseTtlMs: TTL, renewIntervalMs: 0 }); // never beats again: a dead node
    const alive = await node(prefix, { leaseTtlMs: TTL });
    const acquiredAt = Date.now();
    expect(await crashed.acquire('user-1', 'api-ws', 2)).toBeDefined();
    expect(await crashed.acquire('user-1', 'api-ws', 2)).toBeDefined();
    // The refusal is held back until the silent holder lapses, then the slot is granted: a stock
    // Socket.IO client reconnecting after its edge died is admitted instead of refused for good.
    expect(await alive.acquire('user-1', 'api-ws', 2)).toBeDefined();
    const freedAfter = Date.now() - acquiredAt;
    expect(freedAfter).toBeGreaterThanOrEqual(TTL - 100);
    expect(freedAfter).toBeLessThan(TTL + 1000);
    expect(await alive.count('user-1', 'api-ws')).toBe(1);
  });

  it('refuses at most one heartbeat period (plus a margin) late when the holders are alive', async () => {
    const prefix = uniquePrefix('refuse');
    const holder = await node(prefix, { leaseTtlMs: 1500, renewIntervalMs: 500 });
    const other = await node(prefix, { leaseTtlMs: 1500, renewIntervalMs: 500 });
    await holder.acquire('user-1', 'api-ws', 2);
    await holder.acquire('user-1', 'api-ws', 2);
    const askedAt = Date.now();
    expect(await other.acquire('user-1', 'api-ws', 2)).toBeUndefined();
    expect(Date.now() - askedAt).toBeLessThan(500 + 250 + 500);
    expect(holder.stats()).toMatchObject({ held: 2, lost: 0 });
  });

  it('keeps renewed leases alive well past the TTL, on its own timer', async () => {
    const prefix = uniquePrefix('renew');
    const holder = await node(prefix, { leaseTtlMs: 400, renewIntervalMs: 100 });
    const other = await node(prefix, { leaseTtlMs: 400 });
    await holder.acquire('user-1', 'api-ws', 2);
    await holder.acquire('user-1', 'api-ws', 2);
    // Twelve renewal rounds of both leases span three TTLs; the other node must see both slots taken at every look.
    await eventually(
      async () => {
        expect(await other.count('user-1', 'api-ws')).toBe(2);
        return holder.stats().renewed >= 24;
      },
      { timeoutMs: 10_000, what: 'both leases renewed through three TTLs' },
    );
    expect(await other.acquire('user-1', 'api-ws', 2)).toBeUndefined();
    expect(holder.stats()).toMatchObject({ held: 2, lost: 0 });
    expect(holder.stats().renewed).toBeGreaterThanOrEqual(4);
  });

  it('reports a lease that expired and whose slot was taken as lost; its late release frees nothing', async () => {
    const prefix = uniquePrefix('lost');
    const stalled = await node(prefix, { leaseTtlMs: 300, renewIntervalMs: 0 });
    const other = await node(prefix, { leaseTtlMs: 5000 });
    const lost: ConnectionLease[] = [];
    stalled.onLeaseLost((lease) => lost.push(lease));
    const lease = await stalled.acquire('user-1', 'api-ws', 1);
    await eventually(async () => (await other.acquire('user-1', 'api-ws', 1)) !== undefined, { timeoutMs: 5000, what: 'the expired slot taken' });
    expect(await stalled.renewHeldLeases()).toBe(0);
    expect(lost).toEqual([lease]);
    expect(stalled.stats()).toMatchObject({ held: 0, lost: 1 });
    await stalled.release(lease!);
    expect(await other.count('user-1', 'api-ws')).toBe(1);
  });

  it('takes back an expired lease whose slot is still free instead of reporting it lost', async () => {
    const prefix = uniquePrefix('readmit');
    const stalled = await node(prefix, { leaseTtlMs: 300, renewIntervalMs: 0 });
    const lost: ConnectionLease[] = [];
    stalled.onLeaseLost((lease) => lost.push(lease));
    await stalled.acquire('user-1', 'api-ws', 1);
    await eventually(async () => (await stalled.count('user-1', 'api-ws')) === 0, { timeoutMs: 5000, what: 'the lease expiring' });
    expect(await stalled.renewHeldLeases()).toBe(1);
    expect(lost).toEqual([]);
    expect(await stalled.count('user-1', 'api-ws')).toBe(1);
    expect(stalled.stats()).toMatchObject({ held: 1, readmitted: 1 });
  });

  it('the limit holds across two nodes under concurrent load, per user', async () => {
    const prefix = uniquePrefix('load');
    const [a, b] = [await node(prefix), await node(prefix)];
    const attempts = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).acquire(`user-${i % 5}`, 'api-ws', 2)));
    const granted = attempts.filter((lease): lease is ConnectionLease => lease !== undefined);
    expect(granted).toHaveLength(10);
    for (let user = 0; user < 5; user++) expect(await a.count(`user-${user}`, 'api-ws')).toBe(2);
    expect(a.heldCount + b.heldCount).toBe(10);
  });

  it('keeps Redis tidy: released and closed leases leave no keys; a dead node is reaped by a live one', async () => {
    const prefix = uniquePrefix('tidy');
    const registry = await node(prefix, { leaseTtlMs: 5000 });
    const first = await registry.acquire('a:b', 'api-ws', 1);
    expect(await registry.acquire('a', 'api-ws', 1)).toBeDefined();
    const key = `${prefix}conn:api-ws:a%3Ab`;
    expect(await probe.zcard(key)).toBe(1);
    await registry.release(first!);
    expect(await probe.exists(key)).toBe(0);
    await registry.close();
    expect(await probe.keys(`${prefix}*`)).toEqual([]);

    const crashed = await node(prefix, { leaseTtlMs: 300, renewIntervalMs: 0 });
    for (let user = 0; user < 3; user++) await crashed.acquire(`user-${user}`, 'api-ws', 2);
    crashed.abandon();
    const reaper = await node(prefix, { leaseTtlMs: 5000, renewIntervalMs: 0 });
    await eventually(async () => (await reaper.renewHeldLeases(), reaper.stats().reapedNodes === 1), { what: 'the dead node reaped', timeoutMs: 5000 });
    expect(await probe.keys(`${prefix}conn:*`)).toEqual([]);
    expect(await probe.zrange(`${prefix}conn-nodes`, '0', '-1')).toEqual([reaper.incarnation]);
  });

  it('validates its arguments and configuration, and refuses to acquire after close', async () => {
    const registry = await node(uniquePrefix('validate'));
    await expect(registry.acquire('', 'api-ws', 2)).rejects.toThrow(TypeError);
    await expect(registry.acquire('u', '', 2)).rejects.toThrow(TypeError);
    await expect(registry.acquire('u', 'api-ws', -1)).rejects.toThrow(RangeError);
    await expect(registry.acquire('u', 'api-ws', 1.5)).rejects.toThrow(RangeError);
    expect(() => new RedisConnectionRegistry({ connection: server.url, keyPrefix: 'p:', leaseTtlMs: 0 })).toThrow('leaseTtlMs');
    expect(() => new RedisConnectionRegistry({ connection: server.url, keyPrefix: 'p:', leaseTtlMs: 1000, renewIntervalMs: 1000 })).toThrow('renewIntervalMs');
    expect(() => new RedisConnectionRegistry({ connection: server.url, keyPrefix: 'has space' })).toThrow('keyPrefix');
    await registry.close();
    await expect(registry.acquire('u', 'api-ws', 2)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('closed') });
  });
});

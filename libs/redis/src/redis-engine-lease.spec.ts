import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { InvalidConfigError } from '@mdg/model';
import { EngineOwnership } from '@mdg/pipeline';
import { describeEngineLeaseContract } from '@mdg/pipeline/testing';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisEngineLease, type RedisEngineLeaseOptions } from './redis-engine-lease';
import { redisKeys } from './redis-keys';

let server: RedisServerHandle;
let probe: Redis;
const leases: RedisEngineLease[] = [];
const ownerships: EngineOwnership[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  probe = new Redis(server.url, { retryStrategy: () => 20 });
});

afterAll(async () => {
  await probe.quit();
  await server.stop();
});

afterEach(async () => {
  await Promise.all(ownerships.splice(0).map((ownership) => ownership.stop()));
  await Promise.all(leases.splice(0).map((lease) => lease.close()));
  if (!server.running) await server.restart();
});

async function lease(keyPrefix: string, ownerId: string, options: Partial<RedisEngineLeaseOptions> = {}): Promise<RedisEngineLease> {
  const created = await RedisEngineLease.connect({
    connection: server.url,
    keyPrefix,
    ownerId,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  leases.push(created);
  return created;
}

/**
 * Resolves once Redis has seen `count` renewals of the lease at `key` (its remaining TTL rising
 * again), checking `invariant` at every look so a violation fails at once.
 */
async function renewalsSeen(key: string, count: number, invariant: () => void): Promise<void> {
  let previous = Number.POSITIVE_INFINITY;
  let seen = 0;
  await eventually(
    async () => {
      invariant();
      const remaining = await probe.pttl(key);
      if (remaining > previous) seen += 1;
      previous = remaining;
      return seen >= count;
    },
    { timeoutMs: 10_000, what: `${count} renewals of ${key}` },
  );
}

/** Resolves once `one` answers again (after a server restart). */
function reachable(one: RedisEngineLease): Promise<void> {
  return eventually(
    () =>
      one.current().then(
        () => true,
        () => false,
      ),
    { timeoutMs: 5000, what: `${one.ownerId} reconnected` },
  );
}

describeEngineLeaseContract('RedisEngineLease', async () => {
  const prefix = uniquePrefix('engine-lease-contract');
  const ttlMs = 400;
  const mine: RedisEngineLease[] = [];
  return {
    ttlMs,
    lease: async (ownerId) => {
      const created = await lease(prefix, ownerId, { ttlMs });
      mine.push(created);
      return created;
    },
    elapse: (ms) => delay(ms),
    restart: async () => {
      await server.restart();
      await Promise.all(mine.map((one) => reachable(one)));
    },
    close: async () => void (await Promise.all(mine.map((one) => one.close()))),
  };
});

describe('RedisEngineLease', () => {
  it('keeps the lease in `<prefix>engine:lease` with a PX expiry and the counter in `<prefix>engine:epoch`', async () => {
    const prefix = uniquePrefix('engine-lease-keys');
    const a = await lease(prefix, 'engine-a', { ttlMs: 2000 });
    const [seconds, micros] = await probe.time();
    const epoch = (await a.tryAcquire())!;
    // Epochs are at least Redis's clock in ms, so they keep rising even if the counter is lost.
    expect(epoch).toBeGreaterThanOrEqual(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000));
    expect(await probe.hgetall(`${prefix}engine:lease`)).toEqual({ owner: 'engine-a', token: expect.stringMatching(/^[0-9a-f-]{36}$/), epoch: String(epoch) });
    expect(await probe.get(`${prefix}engine:epoch`)).toBe(String(epoch));
    const pttl = await probe.pttl(`${prefix}engine:lease`);
    expect(pttl).toBeGreaterThan(1500);
    expect(pttl).toBeLessThanOrEqual(2000);
    // Even when the counter is ahead of the clock (many takeovers within one ms), it only rises.
    await probe.set(`${prefix}engine:epoch`, String(epoch + 1_000_000));
    expect(await a.tryAcquire()).toBe(epoch + 1_000_001);
    await a.release();
    expect(await probe.exists(`${prefix}engine:lease`)).toBe(0);
  });

  it('rejects with SERVICE_UNAVAILABLE while Redis is down, and works again once it is back', async () => {
    const prefix = uniquePrefix('engine-lease-down');
    const a = await lease(prefix, 'engine-a', { ttlMs: 1000 });
    await a.tryAcquire();
    await server.kill();
    await expect(a.renew()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expect(a.tryAcquire()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expect(a.current()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await server.restart();
    await reachable(a);
    expect(await a.tryAcquire()).toBeDefined();
  });

  it('refuses bad options and fails to connect within the timeout', async () => {
    expect(() => new RedisEngineLease({ connection: server.url, keyPrefix: 'has space' })).toThrow(InvalidConfigError);
    expect(() => new RedisEngineLease({ connection: server.url, keyPrefix: 'p:', ttlMs: 0 })).toThrow(/ttlMs/);
    expect(() => new RedisEngineLease({ connection: server.url, keyPrefix: 'p:', ownerId: '' })).toThrow(/ownerId/);
    const probeServer = await startRedisServer();
    const url = probeServer.url;
    await probeServer.stop();
    await expect(RedisEngineLease.connect({ connection: url, keyPrefix: 'p:', connectTimeoutMs: 200 })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});

describe('EngineOwnership over RedisEngineLease', () => {
  interface Recorded {
    ownership: EngineOwnership;
    events: string[];
  }

  function own(one: RedisEngineLease): Recorded {
    const events: string[] = [];
    const ownership = new EngineOwnership({
      lease: one,
      renewIntervalMs: Math.floor(one.ttlMs / 4),
      retryIntervalMs: 50,
      onPromoted: async (epoch) => void events.push(`promoted ${epoch}`),
      onDemoted: async (reason) => void events.push(`demoted ${reason}`),
      onError: () => undefined,
    });
    ownerships.push(ownership);
    return { ownership, events };
  }

  it('fails over within TTL + retry when the owner’s connection dies without a release', async () => {
    const prefix = uniquePrefix('engine-failover');
    const ttlMs = 600;
    const leaseA = await lease(prefix, 'engine-a', { ttlMs });
    const a = own(leaseA);
    const b = own(await lease(prefix, 'engine-b', { ttlMs }));
    a.ownership.start();
    await eventually(async () => a.ownership.isOwner(), { timeoutMs: 2000, what: 'a promoted' });
    b.ownership.start();
    // Through two TTLs of renewals (eight at ttl/4) b stays a standby.
    await renewalsSeen(redisKeys(prefix).engine.lease, 8, () => expect(b.events).toEqual([]));
    const killedAt = Date.now();
    await leaseA.close(); // like kill -9: nothing renews, nothing releases
    await eventually(async () => b.ownership.isOwner(), { timeoutMs: 3000, what: 'b promoted' });
    expect(Date.now() - killedAt).toBeLessThan(ttlMs + 50 + 250);
    expect(b.ownership.epoch()).toBeGreaterThan(Number(a.events[0]!.split(' ')[1]));
    await eventually(async () => a.events.length === 2, { timeoutMs: 2000, what: 'a demoted' });
    expect(a.events[1]).toBe('demoted lost');
    expect(a.ownership.isOwner()).toBe(false);
  });

  it('a clean stop hands over at once', async () => {
    const prefix = uniquePrefix('engine-handover');
    const ttlMs = 3000;
    const a = own(await lease(prefix, 'engine-a', { ttlMs }));
    const b = own(await lease(prefix, 'engine-b', { ttlMs }));
    a.ownership.start();
    await eventually(async () => a.ownership.isOwner(), { timeoutMs: 2000, what: 'a promoted' });
    b.ownership.start();
    const stoppedAt = Date.now();
    await a.ownership.stop();
    await eventually(async () => b.ownership.isOwner(), { timeoutMs: 2000, what: 'b promoted' });
    expect(Date.now() - stoppedAt).toBeLessThan(500);
    expect(a.events.map((event) => event.split(' ')[0])).toEqual(['promoted', 'demoted']);
    expect(a.events[1]).toBe('demoted stopped');
  });

  it('after a Redis restart that lost the lease, the engine that held it stays (or becomes again) the owner', async () => {
    const prefix = uniquePrefix('engine-restart');
    const ttlMs = 600;
    const a = own(await lease(prefix, 'engine-a', { ttlMs }));
    const leaseB = await lease(prefix, 'engine-b', { ttlMs });
    const b = own(leaseB);
    a.ownership.start();
    await eventually(async () => a.ownership.isOwner(), { timeoutMs: 2000, what: 'a promoted' });
    // A standby defers only to a holder it has seen (one that started during the outage cannot know).
    expect(await leaseB.tryAcquire()).toBeUndefined();
    b.ownership.start();
    const before = a.ownership.epoch()!;
    await server.kill();
    await server.restart();
    // a keeps its epoch when a renew reaches Redis within the TTL, else claims it back with a higher one.
    await eventually(async () => a.ownership.isOwner() && (await probe.hget(`${prefix}engine:lease`, 'owner')) === 'engine-a', {
      timeoutMs: 5000,
      what: 'a the owner in the restarted Redis',
    });
    expect(a.ownership.epoch()).toBeGreaterThanOrEqual(before);
    expect(b.events).toEqual([]);
  });
});

import { Redis } from 'ioredis';
import { apiKeyPrefix, generateApiKey, hashApiKey, type ApiKeyRecord } from '@mdg/auth';
import { KeyStoreError, ManualClock } from '@mdg/model';
import { describeKeyStoreContract } from '@mdg/auth/testing';
import { eventually, firstEvent, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisKeyStore, type RedisKeyStoreOptions } from './redis-key-store';

let server: RedisServerHandle;
let probe: Redis;
const stores: RedisKeyStore[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  probe = new Redis(server.url);
});

afterAll(async () => {
  await probe.quit();
  await server.stop();
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

async function openStore(keyPrefix: string, options: Partial<RedisKeyStoreOptions> = {}): Promise<RedisKeyStore> {
  const store = await RedisKeyStore.open({ connection: server.url, keyPrefix, ...options });
  stores.push(store);
  return store;
}

describeKeyStoreContract('RedisKeyStore', (clock) => openStore(uniquePrefix('keys-contract'), { clock }));

describe('RedisKeyStore across nodes', () => {
  it('a revocation on one node fires onRevoked on the other within 2 s, and the key stops verifying there', async () => {
    const prefix = uniquePrefix('revoke');
    const [a, b] = [await openStore(prefix), await openStore(prefix)];
    const { apiKey, record } = await a.create({ userId: 'user-1', plan: 'pro' });
    expect((await b.verify(apiKey)).ok).toBe(true);
    const revokedOnB = firstEvent<ApiKeyRecord>((listener) => b.onRevoked(listener), 2000, 'onRevoked on node B');
    const revoked = await a.revoke(record.keyPrefix);
    expect(await revokedOnB).toEqual(revoked);
    expect(await b.verify(apiKey)).toEqual({ ok: false, reason: 'AUTH_FAILED' });
  });

  it('a plan change on one node fires onPlanChanged on the other', async () => {
    const prefix = uniquePrefix('plan');
    const [a, b] = [await openStore(prefix), await openStore(prefix)];
    const { apiKey } = await a.create({ userId: 'user-1', plan: 'pro' });
    await eventually(async () => (await b.list()).length === 1, { timeoutMs: 2000, what: 'the key on node B' });
    const changedOnB = firstEvent<ApiKeyRecord>((listener) => b.onPlanChanged(listener), 2000, 'onPlanChanged on node B');
    await a.setPlan('user-1', { plan: 'pro', planActive: false });
    expect(await changedOnB).toMatchObject({ userId: 'user-1', planActive: false });
    const verdict = await b.verify(apiKey);
    expect(verdict.ok && verdict.record.planActive).toBe(false);
  });

  it('verifies a key this node has not heard of yet by asking Redis', async () => {
    const prefix = uniquePrefix('fresh');
    const [a, b] = [await openStore(prefix, { reconcileIntervalMs: 0 }), await openStore(prefix, { reconcileIntervalMs: 0 })];
    const { apiKey, record } = await a.create({ userId: 'u', plan: 'pro' });
    // Another key written to Redis without an event (as if the event were still on its way).
    const other = generateApiKey();
    const fields = { ...(await probe.hgetall(`${prefix}keys:${record.keyHash}`)), keyHash: hashApiKey(other), keyPrefix: apiKeyPrefix(other), userId: 'v' };
    await probe.hset(`${prefix}keys:${hashApiKey(other)}`, fields);
    await probe.sadd(`${prefix}keys:index`, hashApiKey(other));
    expect((await b.verify(apiKey)).ok).toBe(true);
    expect(await b.verify(other)).toMatchObject({ ok: true, record: { userId: 'v' } });
    expect(b.stats().keys).toBe(2);
  });

  it('concurrent writers on two nodes never lose a write and keep prefixes unique', async () => {
    const prefix = uniquePrefix('writers');
    const [a, b] = [await openStore(prefix), await openStore(prefix)];
    const created = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).create({ userId: `user-${i}`, plan: 'pro' })));
    expect(new Set(created.map(({ record }) => record.keyPrefix)).size).toBe(30);
    await eventually(async () => (await a.list()).length === 30 && (await b.list()).length === 30, { timeoutMs: 2000, what: 'both nodes holding 30 keys' });
    expect(await a.list()).toEqual(await b.list());
    expect(a.stats().version).toBe(30);
    expect(await probe.get(`${prefix}keys:version`)).toBe('30');
  });

  it('stores one hash per key, without the secret, listed in an index', async () => {
    const prefix = uniquePrefix('stored');
    const store = await openStore(prefix, { clock: new ManualClock(1234) });
    const { apiKey, record } = await store.create({ userId: 'user-1', plan: 'free', scopes: ['chart'] });
    expect(await probe.smembers(`${prefix}keys:index`)).toEqual([hashApiKey(apiKey)]);
    const stored = await probe.hgetall(`${prefix}keys:${record.keyHash}`);
    expect(stored).toEqual({
      keyHash: record.keyHash,
      keyPrefix: record.keyPrefix,
      userId: 'user-1',
      plan: 'free',
      planActive: '1',
      mode: 'live',
      createdAt: '1234',
      scopes: '["chart"]',
    });
    expect(JSON.stringify(stored)).not.toContain(apiKey.slice(14));
  });

  it('catches up by the periodic version check when a change reaches Redis without an event', async () => {
    const prefix = uniquePrefix('reconcile');
    const a = await openStore(prefix);
    const b = await openStore(prefix, { reconcileIntervalMs: 100 });
    const { record } = await a.create({ userId: 'user-1', plan: 'pro' });
    await eventually(async () => (await b.list()).length === 1, { timeoutMs: 2000, what: 'the key on node B' });
    const revokedOnB = firstEvent<ApiKeyRecord>((listener) => b.onRevoked(listener), 2000, 'onRevoked on node B');
    // A write by hand (or a lost message): the record and version change, no event is published.
    await probe.hset(`${prefix}keys:${record.keyHash}`, 'revokedAt', '99');
    await probe.incr(`${prefix}keys:version`);
    expect((await revokedOnB).revokedAt).toBe(99);
  });

  it('reports a corrupt stored record and keeps serving the others', async () => {
    const prefix = uniquePrefix('corrupt');
    const a = await openStore(prefix);
    const good = await a.create({ userId: 'good', plan: 'pro' });
    const bad = await a.create({ userId: 'bad', plan: 'pro' });
    await probe.hset(`${prefix}keys:${bad.record.keyHash}`, 'plan', 'gold');
    await probe.incr(`${prefix}keys:version`);
    const errors: KeyStoreError[] = [];
    const b = new RedisKeyStore({ connection: server.url, keyPrefix: prefix });
    b.onError((error) => errors.push(error));
    stores.push(b);
    await eventually(async () => b.stats().keys === 1, { timeoutMs: 2000, what: 'node B loaded' });
    expect((await b.verify(good.apiKey)).ok).toBe(true);
    expect((await b.verify(bad.apiKey)).ok).toBe(false);
    expect(errors[0]).toMatchObject({ reason: 'corrupt', message: expect.stringContaining('plan must be') });
  });

  it('refuses a malformed configuration and reports an unreachable Redis', async () => {
    expect(() => new RedisKeyStore({ connection: server.url, keyPrefix: '' })).toThrow('keyPrefix');
    expect(() => new RedisKeyStore({ connection: server.url, keyPrefix: 'p:', reconcileIntervalMs: -1 })).toThrow('reconcileIntervalMs');
    await expect(RedisKeyStore.open({ connection: 'redis://127.0.0.1:1', keyPrefix: 'p:', connectTimeoutMs: 200 })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
  });
});

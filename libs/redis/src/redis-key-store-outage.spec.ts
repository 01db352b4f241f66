import { Redis } from 'ioredis';
import type { ApiKeyRecord } from '@mdg/auth';
import type { KeyStoreError } from '@mdg/model';
import { eventually, firstEvent, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisKeyStore, type RedisKeyStoreOptions } from './redis-key-store';

describe('RedisKeyStore across Redis faults', () => {
  let server: RedisServerHandle;
  const stores: RedisKeyStore[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  beforeAll(async () => {
    server = await startRedisServer();
    process.on('unhandledRejection', onUnhandled);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server.stop();
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    if (!server.running) await server.restart();
    expect(unhandled).toEqual([]);
  });

  async function node(
    keyPrefix: string,
    options: Partial<RedisKeyStoreOptions> = {},
  ): Promise<{ store: RedisKeyStore; revoked: ApiKeyRecord[]; errors: KeyStoreError[] }> {
    const store = await RedisKeyStore.open({ connection: server.url, keyPrefix, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...options });
    stores.push(store);
    const revoked: ApiKeyRecord[] = [];
    const errors: KeyStoreError[] = [];
    store.onRevoked((record) => revoked.push(record));
    store.onError((error) => errors.push(error));
    return { store, revoked, errors };
  }

  it('keeps verifying known keys while Redis is down; refuses writes and unknown keys with typed errors', async () => {
    const prefix = uniquePrefix('down');
    const { store } = await node(prefix);
    const { apiKey } = await store.create({ userId: 'user-1', plan: 'pro' });
    await server.kill();
    expect((await store.verify(apiKey)).ok).toBe(true);
    await expect(store.verify('ci_live_UnknownUnknownUnknownUnknown12')).rejects.toMatchObject({ code: 'KEY_STORE_ERROR', reason: 'io' });
    await expect(store.create({ userId: 'user-2', plan: 'pro' })).rejects.toMatchObject({ code: 'KEY_STORE_ERROR', reason: 'io' });
  });

  it('writes its copy back when Redis restarts empty, instead of revoking every key', async () => {
    const prefix = uniquePrefix('restart');
    const a = await node(prefix);
    const b = await node(prefix);
    const keys = await Promise.all([a.store.create({ userId: 'u1', plan: 'pro' }), a.store.create({ userId: 'u2', plan: 'pro' })]);
    await a.store.revoke(keys[1].apiKey);
    await eventually(async () => b.store.stats().version === 3, { timeoutMs: 2000, what: 'node B at version 3' });
    await server.kill();
    await server.restart();
    const probe = new Redis(server.url);
    try {
      await eventually(async () => (await probe.scard(`${prefix}keys:index`)) === 2, { timeoutMs: 5000, what: 'the keys written back' });
      await eventually(async () => a.store.stats().version >= 4 && b.store.stats().version >= 4, { timeoutMs: 5000, what: 'both nodes past the restore' });
    } finally {
      await probe.quit();
    }
    expect(a.revoked.map((record) => record.userId)).toEqual(['u2']);
    expect(b.revoked.map((record) => record.userId)).toEqual(['u2']);
    for (const { store } of [a, b]) {
      expect((await store.verify(keys[0].apiKey)).ok).toBe(true);
      expect((await store.verify(keys[1].apiKey)).ok).toBe(false);
    }
    const reports = [...a.errors, ...b.errors].filter((error) => error.reason === 'corrupt');
    expect(reports.length).toBeGreaterThanOrEqual(1);
    expect(reports[0]!.message).toContain('older than version 3');
    // Business as usual afterwards: a revocation still reaches the other node.
    const revokedOnB = firstEvent<ApiKeyRecord>((listener) => b.store.onRevoked(listener), 2000, 'onRevoked on node B');
    await a.store.revoke(keys[0].apiKey);
    expect((await revokedOnB).userId).toBe('u1');
  });

  it('catches up on a revocation published while its subscriber was disconnected', async () => {
    const prefix = uniquePrefix('missed');
    const a = await node(prefix);
    // No periodic check: only the reload after the reconnect can find the change.
    const name = `${prefix}node-b`;
    const b = await node(prefix, { reconcileIntervalMs: 0, name, reconnect: { initialDelayMs: 300, maxDelayMs: 300 } });
    const { apiKey } = await a.store.create({ userId: 'user-1', plan: 'pro' });
    expect((await b.store.verify(apiKey)).ok).toBe(true);
    const probe = new Redis(server.url);
    try {
      // Cut node B's subscriber connection; the revocation's event is published while it reconnects.
      const clients = String(await probe.client('LIST')).split('\n');
      const id = /id=(\d+) /.exec(clients.find((line) => line.includes(` name=${name}-sub `)) ?? '')?.[1];
      expect(id).toBeDefined();
      expect(await probe.client('KILL', 'ID', id!)).toBe(1);
    } finally {
      await probe.quit();
    }
    const revokedOnB = firstEvent<ApiKeyRecord>((listener) => b.store.onRevoked(listener), 2000, 'onRevoked on node B');
    await a.store.revoke(apiKey);
    expect(b.store.stats().version).toBe(1); // the event did not reach B
    expect((await revokedOnB).userId).toBe('user-1');
  });
});

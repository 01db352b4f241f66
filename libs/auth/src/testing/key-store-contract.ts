import { KeyStoreError, ManualClock } from '@mdg/model';
import { apiKeyPrefix, hashApiKey, isWellFormedApiKey } from '../api-key';
import type { ApiKeyRecord, KeyStore } from '../key-store';

/** 2025-04-30T15:16:00Z */
export const CONTRACT_START_MS = 1_746_026_160_000;

/** The rejection of `promise`, which must be a KeyStoreError. */
export async function keyStoreRejection(promise: Promise<unknown>): Promise<KeyStoreError> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof KeyStoreError)) throw new Error(`expected a KeyStoreError, got ${String(thrown)}`);
  return thrown;
}

/**
 * The behaviour every KeyStore implementation must have. `open` builds a fresh, empty store
 * using `clock` for createdAt/revokedAt; the suite closes it.
 */
export function describeKeyStoreContract(name: string, open: (clock: ManualClock) => Promise<KeyStore>): void {
  describe(`${name} satisfies the KeyStore contract`, () => {
    let clock: ManualClock;
    let store: KeyStore;

    beforeEach(async () => {
      clock = new ManualClock(CONTRACT_START_MS);
      store = await open(clock);
    });

    afterEach(async () => {
      await store.close();
    });

    it('creates a well-formed live key whose record holds only its hash and prefix', async () => {
      const { apiKey, record } = await store.create({ userId: 'user-1', plan: 'pro' });
      expect(isWellFormedApiKey(apiKey)).toBe(true);
      expect(apiKey).toMatch(/^ci_live_[0-9A-Za-z]{32}$/);
      expect(record).toEqual({
        keyHash: hashApiKey(apiKey),
        keyPrefix: apiKeyPrefix(apiKey),
        userId: 'user-1',
        plan: 'pro',
        planActive: true,
        mode: 'live',
        createdAt: CONTRACT_START_MS,
      });
      expect(JSON.stringify(record)).not.toContain(apiKey.slice(8));
      expect(JSON.stringify(await store.list())).not.toContain(apiKey.slice(8));
    });

    it('creates test keys, inactive plans and scopes on request', async () => {
      const { apiKey, record } = await store.create({ userId: 'u', plan: 'free', mode: 'test', planActive: false, scopes: ['chart', 'chart', 'prices'] });
      expect(apiKey.startsWith('ci_test_')).toBe(true);
      expect(record).toMatchObject({ mode: 'test', plan: 'free', planActive: false, scopes: ['chart', 'prices'] });
    });

    it('verifies existing keys and refuses unknown, altered and malformed ones', async () => {
      const { apiKey, record } = await store.create({ userId: 'user-1', plan: 'free' });
      expect(await store.verify(apiKey)).toEqual({ ok: true, record });
      const altered = apiKey.slice(0, -1) + (apiKey.endsWith('a') ? 'b' : 'a');
      for (const candidate of [
        altered,
        apiKey.replace('ci_live_', 'ci_test_'),
        `${apiKey} `,
        '',
        'ci_live_',
        apiKey.toUpperCase(),
        record.keyPrefix,
        record.keyHash,
      ]) {
        expect(await store.verify(candidate)).toEqual({ ok: false, reason: 'AUTH_FAILED' });
      }
    });

    it('stores a given key (e.g. a configured demo key) and refuses duplicates and malformed ones', async () => {
      const demo = 'ci_test_DemoDemoDemoDemoDemoDemoDemo12';
      const { apiKey, record } = await store.create({ userId: 'demo', plan: 'pro', apiKey: demo });
      expect(apiKey).toBe(demo);
      expect(record.mode).toBe('test');
      expect((await store.verify(demo)).ok).toBe(true);
      expect((await keyStoreRejection(store.create({ userId: 'other', plan: 'pro', apiKey: demo }))).reason).toBe('conflict');
      expect((await keyStoreRejection(store.create({ userId: 'demo', plan: 'pro', apiKey: 'ci_live_short' }))).reason).toBe('invalid-argument');
      expect(
        (await keyStoreRejection(store.create({ userId: 'demo', plan: 'pro', apiKey: 'ci_live_DemoDemoDemoDemoDemoDemoDemo12', mode: 'test' }))).reason,
      ).toBe('invalid-argument');
      expect(await store.list()).toHaveLength(1);
    });

    it('refuses malformed create requests', async () => {
      const bad = [
        { userId: '', plan: 'pro' },
        { userId: 'has space', plan: 'pro' },
        { userId: 'x'.repeat(129), plan: 'pro' },
        { userId: 'u', plan: 'gold' },
        { userId: 'u', plan: 'pro', mode: 'prod' },
        { userId: 'u', plan: 'pro', scopes: ['no spaces allowed'] },
      ] as unknown as Parameters<KeyStore['create']>[0][];
      for (const options of bad) expect((await keyStoreRejection(store.create(options))).reason).toBe('invalid-argument');
      expect(await store.list()).toEqual([]);
    });

    it('gives every key a distinct prefix', async () => {
      const created = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create({ userId: `user-${i}`, plan: 'pro' })));
      expect(new Set(created.map(({ record }) => record.keyPrefix)).size).toBe(20);
      expect(await store.list()).toHaveLength(20);
    });

    it('revokes by whole key, by prefix and by hash; revoked keys never verify again', async () => {
      const a = await store.create({ userId: 'a', plan: 'pro' });
      const b = await store.create({ userId: 'b', plan: 'pro' });
      const c = await store.create({ userId: 'c', plan: 'pro' });
      clock.advance(1000);
      expect(await store.revoke(a.apiKey)).toEqual({ ...a.record, revokedAt: CONTRACT_START_MS + 1000 });
      expect((await store.revoke(b.record.keyPrefix))?.userId).toBe('b');
      expect((await store.revoke(c.record.keyHash))?.userId).toBe('c');
      for (const { apiKey } of [a, b, c]) expect(await store.verify(apiKey)).toEqual({ ok: false, reason: 'AUTH_FAILED' });
      expect((await store.list()).map((record) => record.revokedAt)).toEqual([CONTRACT_START_MS + 1000, CONTRACT_START_MS + 1000, CONTRACT_START_MS + 1000]);
    });

    it('revoking an unknown reference returns undefined; revoking twice keeps the first revocation', async () => {
      const { apiKey } = await store.create({ userId: 'a', plan: 'pro' });
      expect(await store.revoke('ci_live_nope00')).toBeUndefined();
      expect(await store.revoke('ci_live_000000000000000000000000000000')).toBeUndefined();
      expect(await store.revoke('0'.repeat(64))).toBeUndefined();
      const first = await store.revoke(apiKey);
      clock.advance(5000);
      expect(await store.revoke(apiKey)).toEqual(first);
      expect((await keyStoreRejection(store.revoke('  '))).reason).toBe('invalid-argument');
    });

    it('fires onRevoked once per revocation, until unsubscribed', async () => {
      const revoked: ApiKeyRecord[] = [];
      const unsubscribe = store.onRevoked((record) => revoked.push(record));
      const a = await store.create({ userId: 'a', plan: 'pro' });
      const b = await store.create({ userId: 'b', plan: 'pro' });
      expect(revoked).toEqual([]);
      await store.revoke(a.record.keyPrefix);
      await store.revoke(a.apiKey);
      expect(revoked.map((record) => [record.keyPrefix, record.revokedAt])).toEqual([[a.record.keyPrefix, CONTRACT_START_MS]]);
      unsubscribe();
      await store.revoke(b.apiKey);
      expect(revoked).toHaveLength(1);
    });

    it('a throwing listener is reported through onError and does not stop the others or the revocation', async () => {
      const errors: KeyStoreError[] = [];
      store.onError((error) => errors.push(error));
      store.onRevoked(() => {
        throw new Error('listener bug');
      });
      const seen: string[] = [];
      store.onRevoked((record) => seen.push(record.userId));
      const { apiKey } = await store.create({ userId: 'a', plan: 'pro' });
      expect((await store.revoke(apiKey))?.revokedAt).toBe(CONTRACT_START_MS);
      expect(seen).toEqual(['a']);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.reason).toBe('listener');
      expect(errors[0]!.message).toContain('listener bug');
    });

    it('changes the plan of every unrevoked key of a user and notifies', async () => {
      const changed: ApiKeyRecord[] = [];
      store.onPlanChanged((record) => changed.push(record));
      const k1 = await store.create({ userId: 'u', plan: 'pro' });
      const k2 = await store.create({ userId: 'u', plan: 'pro', mode: 'test' });
      const k3 = await store.create({ userId: 'u', plan: 'pro' });
      const other = await store.create({ userId: 'v', plan: 'pro' });
      await store.revoke(k3.apiKey);
      const updated = await store.setPlan('u', { plan: 'pro', planActive: false });
      expect(updated.map((record) => record.keyPrefix)).toEqual([k1.record.keyPrefix, k2.record.keyPrefix]);
      expect(changed.map((record) => [record.keyPrefix, record.planActive])).toEqual([
        [k1.record.keyPrefix, false],
        [k2.record.keyPrefix, false],
      ]);
      const verdict = await store.verify(k1.apiKey);
      expect(verdict.ok && verdict.record.planActive).toBe(false);
      expect(await store.verify(other.apiKey)).toMatchObject({ ok: true, record: { planActive: true } });
      expect((await store.setPlan('u', { plan: 'pro', planActive: false })).length).toBe(2);
      expect(changed).toHaveLength(2);
      expect(await store.setPlan('nobody', { plan: 'free', planActive: true })).toEqual([]);
    });

    it('lists every record oldest first, revoked ones included', async () => {
      const first = await store.create({ userId: 'a', plan: 'pro' });
      clock.advance(10);
      const second = await store.create({ userId: 'b', plan: 'free' });
      await store.revoke(first.apiKey);
      const records = await store.list();
      expect(records.map((record) => [record.userId, record.revokedAt])).toEqual([
        ['a', CONTRACT_START_MS + 10],
        ['b', undefined],
      ]);
      expect(records[1]).toEqual(second.record);
    });

    it('refuses every operation after close', async () => {
      const { apiKey } = await store.create({ userId: 'a', plan: 'pro' });
      await store.close();
      expect((await keyStoreRejection(store.verify(apiKey))).reason).toBe('closed');
      expect((await keyStoreRejection(store.create({ userId: 'b', plan: 'pro' }))).reason).toBe('closed');
      expect((await keyStoreRejection(store.list())).reason).toBe('closed');
    });
  });
}

import { ManualClock } from '@mdg/model';
import { authenticateApiKey } from './authenticate-api-key';
import { hasActivePro } from './key-store';
import { MemoryKeyStore } from './memory-key-store';

describe('authenticateApiKey', () => {
  let store: MemoryKeyStore;

  beforeEach(() => {
    store = new MemoryKeyStore({ clock: new ManualClock(1_746_026_160_000) });
  });

  afterEach(async () => {
    await store.close();
  });

  it('accepts an active pro key on both endpoints', async () => {
    const { apiKey, record } = await store.create({ userId: 'pro-user', plan: 'pro' });
    expect(await authenticateApiKey(store, apiKey, { requirePro: true })).toEqual({ ok: true, record });
    expect(await authenticateApiKey(store, apiKey, { requirePro: false })).toEqual({ ok: true, record });
  });

  it('accepts a free key where no Pro plan is required and answers PRO_REQUIRED where it is', async () => {
    const { apiKey } = await store.create({ userId: 'free-user', plan: 'free' });
    expect((await authenticateApiKey(store, apiKey, { requirePro: false })).ok).toBe(true);
    expect(await authenticateApiKey(store, apiKey, { requirePro: true })).toEqual({ ok: false, reason: 'PRO_REQUIRED' });
  });

  it('answers PRO_REQUIRED for a pro key whose plan lapsed', async () => {
    const { apiKey } = await store.create({ userId: 'lapsed', plan: 'pro', planActive: false });
    expect(await authenticateApiKey(store, apiKey, { requirePro: true })).toEqual({ ok: false, reason: 'PRO_REQUIRED' });
    await store.setPlan('lapsed', { plan: 'pro', planActive: true });
    expect((await authenticateApiKey(store, apiKey, { requirePro: true })).ok).toBe(true);
  });

  it('answers AUTH_FAILED for revoked and unknown keys, whatever the requirement', async () => {
    const { apiKey } = await store.create({ userId: 'u', plan: 'pro' });
    await store.revoke(apiKey);
    for (const requirePro of [true, false]) {
      expect(await authenticateApiKey(store, apiKey, { requirePro })).toEqual({ ok: false, reason: 'AUTH_FAILED' });
      expect(await authenticateApiKey(store, 'ci_live_' + 'q'.repeat(32), { requirePro })).toEqual({ ok: false, reason: 'AUTH_FAILED' });
    }
  });

  it('refuses missing and malformed keys without consulting the store', async () => {
    const verify = jest.spyOn(store, 'verify');
    for (const apiKey of [undefined, null, 42, {}, '', 'ci_live_short', ['ci_live_' + 'a'.repeat(32)]]) {
      expect(await authenticateApiKey(store, apiKey, { requirePro: false })).toEqual({ ok: false, reason: 'AUTH_FAILED' });
    }
    expect(verify).not.toHaveBeenCalled();
  });
});

describe('hasActivePro', () => {
  it('is true only for an active pro plan', () => {
    const base = { keyHash: 'h', keyPrefix: 'ci_live_abcdef', userId: 'u', mode: 'live', createdAt: 0 } as const;
    expect(hasActivePro({ ...base, plan: 'pro', planActive: true })).toBe(true);
    expect(hasActivePro({ ...base, plan: 'pro', planActive: false })).toBe(false);
    expect(hasActivePro({ ...base, plan: 'free', planActive: true })).toBe(false);
  });
});

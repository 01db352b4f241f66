import { ManualClock } from '@mdg/model';
import { MemoryKeyStore } from './memory-key-store';
import { describeKeyStoreContract } from './testing';

describeKeyStoreContract('MemoryKeyStore', async (clock) => new MemoryKeyStore({ clock }));

describe('MemoryKeyStore', () => {
  it('starts from the given records, frozen', async () => {
    const source = new MemoryKeyStore({ clock: new ManualClock(5) });
    const { apiKey } = await source.create({ userId: 'u', plan: 'pro' });
    const copy = new MemoryKeyStore({ records: await source.list() });
    const verdict = await copy.verify(apiKey);
    expect(verdict.ok).toBe(true);
    expect(verdict.ok && Object.isFrozen(verdict.record)).toBe(true);
    await Promise.all([source.close(), copy.close()]);
  });

  it('keeps stores independent', async () => {
    const a = new MemoryKeyStore();
    const b = new MemoryKeyStore();
    const { apiKey } = await a.create({ userId: 'u', plan: 'pro' });
    expect((await b.verify(apiKey)).ok).toBe(false);
    await Promise.all([a.close(), b.close()]);
  });
});

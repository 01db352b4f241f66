import { ManualClock } from '@mdg/model';
import { describeEngineStateStoreContract } from './testing';
import { MemoryEngineLease } from './memory-engine-lease';
import { MemoryEngineLeaseTable } from './memory-engine-lease-table';
import { MemoryEngineStateStore } from './memory-engine-state-store';

describeEngineStateStoreContract('MemoryEngineStateStore', async () => {
  const table = new MemoryEngineLeaseTable(new ManualClock(1_775_001_600_000));
  const node = (ownerId: string) => ({ lease: new MemoryEngineLease({ table, ownerId }), store: new MemoryEngineStateStore({ table }) });
  return { nodes: [node('engine-a'), node('engine-b')], close: async () => undefined };
});

describe('MemoryEngineStateStore', () => {
  it('never aliases what was saved or loaded', async () => {
    const table = new MemoryEngineLeaseTable(new ManualClock(1_775_001_600_000));
    const lease = new MemoryEngineLease({ table });
    const store = new MemoryEngineStateStore({ table });
    const epoch = (await lease.tryAcquire())!;
    const state = { instrument: 'BTC', timeframe: 60, finalizedThrough: null, lastFinalClose: null, buckets: [] };
    await store.save(epoch, { candles: [state], tickers: [] });
    state.timeframe = 1;
    const loaded = await store.load();
    loaded.candles[0]!.instrument = 'ETH';
    expect((await store.load()).candles).toEqual([{ instrument: 'BTC', timeframe: 60, finalizedThrough: null, lastFinalClose: null, buckets: [] }]);
  });
});

import { eventually } from '@mdg/testing';
import { MemoryCandleStore } from './memory-candle-store';
import { StoreClosedCandleQueue } from './store-closed-candle-queue';
import { describeClosedCandleQueueContract } from './testing';

describeClosedCandleQueueContract('StoreClosedCandleQueue over MemoryCandleStore', async () => {
  const store = new MemoryCandleStore();
  const queue = new StoreClosedCandleQueue(store);
  return {
    queue,
    store,
    // The queue writes the store itself: once nothing is waiting or in flight, the store has it all.
    settle: () =>
      eventually(
        () => {
          const stats = queue.stats();
          return stats.buffered === 0 && stats.delivered + stats.dropped === stats.enqueued;
        },
        { timeoutMs: 2000, what: 'every final written' },
      ),
    close: async () => {
      await queue.close();
      await store.close();
    },
  };
});

import { MemoryCandleStore } from '@mdg/history';
import { describeClosedCandleQueueContract } from '@mdg/history/testing';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { BullClosedCandleQueue } from './bull-closed-candle-queue';
import { CandleWorker } from './candle-worker';
import { uniqueQueue } from './testing/candle-job-fixtures';

let server: RedisServerHandle;

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await server.stop();
});

// The queue hands jobs to BullMQ on a real Redis; a CandleWorker writes them into the store the suite reads.
describeClosedCandleQueueContract('BullClosedCandleQueue with a CandleWorker', async () => {
  const names = uniqueQueue(uniquePrefix('queue-contract'));
  const errors: Error[] = [];
  const store = new MemoryCandleStore();
  const queue = new BullClosedCandleQueue({ connection: server.url, prefix: names.prefix, queueName: names.queueName, onError: (error) => errors.push(error) });
  const worker = await CandleWorker.start({
    connection: server.url,
    prefix: names.prefix,
    queueName: names.queueName,
    store,
    retentionEveryMs: false,
    onError: (error) => errors.push(error),
  });
  return {
    queue,
    store,
    // Redis took every final the queue holds (or the queue dropped it), and the worker wrote what Redis took.
    settle: () =>
      eventually(
        () => {
          const stats = queue.stats();
          return stats.buffered === 0 && stats.delivered + stats.dropped === stats.enqueued && worker.stats().candles >= stats.delivered;
        },
        { timeoutMs: 10_000, what: 'every final in Redis and written by the worker' },
      ),
    close: async () => {
      await queue.close();
      await worker.close();
      await store.close();
      expect(errors).toEqual([]);
    },
  };
});

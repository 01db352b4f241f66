import { HistoryService, MemoryCandleStore, PeriodicPruner, StoreClosedCandleQueue, type ClosedCandleQueue } from '@mdg/history';
import { BullClosedCandleQueue, CandleWorker } from '@mdg/jobs';
import { RedisCandleStore, redisKeys } from '@mdg/redis';
import type { GatewayConfig } from '@mdg/config';

/**
 * Closed-candle persistence and history, per mode. Embedded: the engine's finals go
 * straight into a bounded memory store (the "worker" is in-process). With Redis: engines
 * enqueue finals on BullMQ, the worker role writes them to the Redis candle store (with the
 * retention job), edges read history from that store.
 */
export interface HistoryInfrastructure {
  /** Where an engine hands its finals (never blocks). */
  readonly queue?: ClosedCandleQueue;
  /** What an edge answers `history` / `since` from. */
  readonly history?: HistoryService;
  readonly worker?: CandleWorker;
  close(): Promise<void>;
}

export async function createHistoryInfrastructure(
  config: GatewayConfig,
  log: (line: string) => void,
  onJobCompleted?: (latencyMs: number) => void,
): Promise<HistoryInfrastructure> {
  const onError = (error: Error) => log(`history: ${error.message}`);
  if (config.redisUrl === undefined) {
    const store = new MemoryCandleStore();
    const queue = new StoreClosedCandleQueue(store, { onError });
    const pruner = new PeriodicPruner(store, { onError });
    pruner.start();
    return {
      queue,
      history: new HistoryService({ store, onError }),
      close: async () => {
        await pruner.stop();
        await queue.close();
        await store.close();
      },
    };
  }
  const connection = config.redisUrl;
  const prefix = redisKeys(config.redisKeyPrefix).bull;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    let queue: ClosedCandleQueue | undefined;
    let history: HistoryService | undefined;
    let worker: CandleWorker | undefined;
    if (config.roles.has('engine')) {
      const bull = new BullClosedCandleQueue({ connection, prefix, onError });
      closers.push(() => bull.close());
      queue = bull;
    }
    if (config.roles.has('edge') || config.roles.has('worker')) {
      const store = await RedisCandleStore.connect({ connection, keyPrefix: config.redisKeyPrefix, onError });
      closers.push(() => store.close());
      if (config.roles.has('edge')) history = new HistoryService({ store, onError });
      if (config.roles.has('worker')) {
        const started = await CandleWorker.start({ connection, store, prefix, onError, onJobCompleted });
        // The worker must stop taking jobs before its store closes.
        closers.push(() => started.close());
        worker = started;
      }
    }
    return { queue, history, worker, close };
  } catch (error) {
    await close();
    throw error;
  }
}

import { HistoryService, MemoryCandleStore, StoreClosedCandleQueue, type CandleStore, type ClosedCandleQueue, type HistoryServiceOptions } from '@mdg/history';
import { BullClosedCandleQueue, CandleWorker } from '@mdg/jobs';
import { RedisCandleStore } from '@mdg/redis';
import { eventually } from '@mdg/testing';

/** Candle persistence and history as one deployment would wire them, for the protocol specs. */
export interface HistoryBackend {
  readonly name: string;
  readonly store: CandleStore;
  readonly queue: ClosedCandleQueue;
  readonly history: HistoryService;
  /** Resolves once every final enqueued so far is in the store. */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface HistoryBackendOptions {
  /** Retention overrides (timeframe seconds → ms). */
  retention?: Readonly<Record<number, number>>;
  history?: Partial<Omit<HistoryServiceOptions, 'store'>>;
  onError?: (error: Error) => void;
}

/** A slow machine (CI running every suite at once) must not turn a late worker into a reported gap. */
const SPEC_HISTORY_DEFAULTS = { seamTimeoutMs: 10_000 };

/** The embedded default: a memory store written straight from the engine's publish. */
export function memoryHistoryBackend(options: HistoryBackendOptions = {}): HistoryBackend {
  const store = new MemoryCandleStore({ retention: options.retention });
  const queue = new StoreClosedCandleQueue(store, { onError: options.onError });
  const history = new HistoryService({ store, onError: options.onError, ...SPEC_HISTORY_DEFAULTS, ...options.history });
  return {
    name: 'memory store',
    store,
    queue,
    history,
    settle: () => Promise.resolve(),
    close: async () => {
      await queue.close();
      await store.close();
    },
  };
}

/** The scale-out wiring: BullMQ queue and worker, Redis store, all on `redisUrl` under unique names. */
export async function redisHistoryBackend(redisUrl: string, unique: string, options: HistoryBackendOptions = {}): Promise<HistoryBackend> {
  const names = { prefix: unique.replace(/:$/, ''), queueName: 'candles' };
  const store = await RedisCandleStore.connect({ connection: redisUrl, keyPrefix: `${unique}store:`, retention: options.retention });
  const queue = new BullClosedCandleQueue({ connection: redisUrl, ...names, onError: options.onError });
  const worker = await CandleWorker.start({ connection: redisUrl, ...names, store, retentionEveryMs: false, onError: options.onError });
  const history = new HistoryService({ store, onError: options.onError, ...SPEC_HISTORY_DEFAULTS, ...options.history });
  return {
    name: 'Redis store behind BullMQ',
    store,
    queue,
    history,
    settle: async (timeoutMs = 10_000) => {
      await queue.flush(timeoutMs);
      await eventually(() => worker.stats().candles >= queue.stats().delivered, { what: 'the worker to catch up', timeoutMs: timeoutMs });
    },
    close: async () => {
      await worker.close();
      await queue.close();
      await store.close();
    },
  };
}

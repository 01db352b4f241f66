import { MdgError } from './mdg-error';

/**
 * A candle store (memory or Redis) failed to read, write or prune. Writers retry (the job
 * queue's backoff); readers answer the client with `complete: false` rather than guess.
 */
export class CandleStoreError extends MdgError {
  constructor(
    readonly operation: 'upsert' | 'range' | 'prune',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('HISTORY_STORE_ERROR', `Candle store ${operation} failed: ${detail}`, options);
  }
}

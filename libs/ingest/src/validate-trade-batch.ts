import type { Trade } from '@mdg/model';
import { isTradeRefusal, type IngestValidator } from './ingest-validator';
import type { TradeBatchError, TradeBatchItem } from './parse-trade-batch';

export interface ValidatedTradeBatch {
  /** The valid trades, in batch order. */
  readonly trades: Trade[];
  /** One entry per refused item, with its line, message and stable code. */
  readonly rejected: TradeBatchError[];
}

/** Validates every item on its own: one bad trade never sinks the others. */
export function validateTradeBatch(items: readonly TradeBatchItem[], validator: IngestValidator): ValidatedTradeBatch {
  const trades: Trade[] = [];
  const rejected: TradeBatchError[] = [];
  for (const { line, value } of items) {
    try {
      trades.push(validator.validate(value));
    } catch (error) {
      if (!isTradeRefusal(error)) throw error;
      rejected.push({ line, error: error.message, code: error.code });
    }
  }
  return { trades, rejected };
}

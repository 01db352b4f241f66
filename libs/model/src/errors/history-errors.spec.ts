import { CandleStoreError } from './candle-store-error';
import { InvalidHistoryError } from './invalid-history-error';
import { MdgError } from './mdg-error';

describe('history errors', () => {
  it('InvalidHistoryError names the field', () => {
    const error = new InvalidHistoryError('since', 'must be a time in unix milliseconds');
    expect(error).toBeInstanceOf(MdgError);
    expect([error.code, error.name, error.field]).toEqual(['INVALID_HISTORY', 'InvalidHistoryError', 'since']);
    expect(error.message).toBe('Invalid history request: since must be a time in unix milliseconds');
  });

  it('CandleStoreError names the operation and keeps the cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new CandleStoreError('upsert', 'writing 3 candles failed', { cause });
    expect([error.code, error.operation, error.cause]).toEqual(['HISTORY_STORE_ERROR', 'upsert', cause]);
    expect(error.message).toBe('Candle store upsert failed: writing 3 candles failed');
  });
});

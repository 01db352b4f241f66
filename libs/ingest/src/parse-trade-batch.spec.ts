import { InstrumentRegistry, ManualClock } from '@mdg/model';
import { CONTRACT_TOKENS } from '@mdg/tokens/testing';
import { IngestValidator } from './ingest-validator';
import { parseTradeBatch } from './parse-trade-batch';
import { validateTradeBatch } from './validate-trade-batch';

const NOW = Date.UTC(2025, 3, 30, 12);
const [bonk] = CONTRACT_TOKENS;
const good = (id: string): string =>
  JSON.stringify({ instrument: bonk.tokenAddress, price: 0.00002, size: 10, side: 'sell', time: NOW, tradeId: id, source: 'pumpswap' });

describe('parseTradeBatch + validateTradeBatch', () => {
  const validator = new IngestValidator({ registry: new InstrumentRegistry([bonk]), clock: new ManualClock(NOW) });

  it('numbers NDJSON items by line, skips blank lines, tolerates CRLF and reports bad lines', () => {
    const body = [good('a'), '', '{oops', good('b') + '\r', '  ', JSON.stringify({ instrument: 'BTC', price: 0 }), ''].join('\n');
    const parsed = parseTradeBatch(body, 'ndjson');
    if (!parsed.ok) throw new Error('expected ok');
    expect(parsed.items.map((item) => item.line)).toEqual([1, 4, 6]);
    expect(parsed.errors).toEqual([{ line: 3, code: 'INVALID_JSON', error: expect.stringContaining('not JSON') }]);
    const { trades, rejected } = validateTradeBatch(parsed.items, validator);
    expect(trades.map((trade) => trade.tradeId)).toEqual(['a', 'b']);
    expect(rejected).toEqual([{ line: 6, code: 'INVALID_TRADE', error: 'Invalid trade: price must be a finite number > 0' }]);
  });

  it('numbers JSON array items by position and refuses a body that is not an array', () => {
    const parsed = parseTradeBatch(`[${good('a')}, 7, ${good('b')}]`, 'json-array');
    if (!parsed.ok) throw new Error('expected ok');
    expect(parsed.items.map((item) => item.line)).toEqual([1, 2, 3]);
    expect(validateTradeBatch(parsed.items, validator).rejected).toEqual([{ line: 2, code: 'INVALID_TRADE', error: 'Invalid trade: trade must be an object' }]);
    expect(parseTradeBatch(good('a'), 'json-array')).toEqual({ ok: false, code: 'INVALID_PAYLOAD', error: expect.stringContaining('array') });
    expect(parseTradeBatch('[1,', 'json-array')).toEqual({ ok: false, code: 'INVALID_JSON', error: expect.stringContaining('not valid JSON') });
  });
});

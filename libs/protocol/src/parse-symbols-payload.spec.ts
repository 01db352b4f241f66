import { PRICE_SYMBOLS } from '@mdg/model';
import { parseSymbolsPayload } from './parse-symbols-payload';

describe('parseSymbolsPayload', () => {
  it('accepts supported symbols case-insensitively, upper-cases them and drops duplicates in order', () => {
    expect(parseSymbolsPayload({ symbols: ['eth', ' BTC ', 'Eth', 'matic'] }, 100)).toEqual({ ok: true, symbols: ['ETH', 'BTC', 'MATIC'] });
    expect(parseSymbolsPayload({ symbols: [...PRICE_SYMBOLS] }, 20)).toEqual({ ok: true, symbols: [...PRICE_SYMBOLS] });
  });

  it('ignores extra fields of the payload object', () => {
    expect(parseSymbolsPayload({ symbols: ['SOL'], id: 7 }, 100)).toEqual({ ok: true, symbols: ['SOL'] });
  });

  it.each([
    [undefined, 'Invalid payload: expected an object { symbols: string[] }, got undefined'],
    [null, 'Invalid payload: expected an object { symbols: string[] }, got null'],
    [42, 'Invalid payload: expected an object { symbols: string[] }, got number'],
    ['BTC', 'Invalid payload: expected an object { symbols: string[] }, got string'],
    [['BTC'], 'Invalid payload: expected an object { symbols: string[] }, got an array'],
    [{}, 'Invalid payload: symbols must be an array of strings, got undefined'],
    [{ symbols: null }, 'Invalid payload: symbols must be an array of strings, got null'],
    [{ symbols: { 0: 'BTC' } }, 'Invalid payload: symbols must be an array of strings, got an object'],
    [{ symbols: [] }, 'Invalid payload: symbols must not be empty'],
    [{ symbols: ['BTC', null] }, 'Invalid payload: symbols[1] must be a string, got null'],
    [{ symbols: [['BTC']] }, 'Invalid payload: symbols[0] must be a string, got an array'],
    [{ symbols: ['BTC', 'ETH', 'SOL', 'ADA'] }, 'Invalid payload: at most 3 symbols per message, got 4'],
  ])('%j → INVALID_PAYLOAD', (payload, error) => {
    expect(parseSymbolsPayload(payload, 3)).toEqual({ ok: false, code: 'INVALID_PAYLOAD', error });
  });

  it('names unknown symbols, upper-cased, deduplicated, and truncated when long', () => {
    expect(parseSymbolsPayload({ symbols: ['BTC', 'xyz'] }, 100)).toEqual({ ok: false, code: 'UNKNOWN_SYMBOL', error: 'Unknown symbol: XYZ' });
    expect(parseSymbolsPayload({ symbols: ['xyz', 'XYZ', 'abc'] }, 100)).toEqual({ ok: false, code: 'UNKNOWN_SYMBOL', error: 'Unknown symbols: XYZ, ABC' });
    const long = parseSymbolsPayload({ symbols: ['q'.repeat(10_000)] }, 100);
    expect(long).toEqual({ ok: false, code: 'UNKNOWN_SYMBOL', error: `Unknown symbol: ${'Q'.repeat(24)}…` });
  });
});

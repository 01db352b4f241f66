import { InvalidInstrumentError } from './errors/invalid-instrument-error';
import { UnknownInstrumentError } from './errors/unknown-instrument-error';
import { WRAPPED_SOL_MINT, type TokenInstrument } from './instrument';
import { InstrumentRegistry, type TokenDefinition } from './instrument-registry';
import { PRICE_SYMBOLS } from './price-symbols';

const BONK: TokenDefinition = { tokenAddress: 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263', quoteToken: WRAPPED_SOL_MINT, decimals: 5, symbol: 'BONK' };
const USDC: TokenDefinition = { tokenAddress: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', quoteToken: WRAPPED_SOL_MINT, decimals: 6, symbol: 'USDC' };

function invalidReason(registry: InstrumentRegistry, definition: TokenDefinition): string {
  let thrown: unknown;
  try {
    registry.registerToken(definition);
  } catch (error) {
    thrown = error;
  }
  if (!(thrown instanceof InvalidInstrumentError)) throw new Error(`expected an InvalidInstrumentError, got ${String(thrown)}`);
  expect(thrown.code).toBe('INVALID_INSTRUMENT');
  return thrown.message;
}

describe('InstrumentRegistry', () => {
  it('always holds the 20 price symbols, frozen, in the documented order', () => {
    const registry = new InstrumentRegistry();
    const prices = registry.priceInstruments();
    expect(prices.map((instrument) => instrument.id)).toEqual([...PRICE_SYMBOLS]);
    for (const instrument of prices) {
      expect(instrument).toEqual({ kind: 'price', id: instrument.symbol, symbol: instrument.symbol, decimals: 0 });
      expect(Object.isFrozen(instrument)).toBe(true);
      expect(registry.get(instrument.id)).toBe(instrument);
    }
    expect(registry.tokens()).toEqual([]);
    expect(registry.all()).toHaveLength(20);
  });

  it('finds by exact id; get throws UnknownInstrumentError', () => {
    const registry = new InstrumentRegistry();
    expect(registry.find('BTC')?.kind).toBe('price');
    expect(registry.find('btc')).toBeUndefined();
    expect(registry.find('NOPE')).toBeUndefined();
    expect(() => registry.get('NOPE')).toThrow(UnknownInstrumentError);
    expect(() => registry.get('NOPE')).toThrow('Unknown instrument: NOPE');
    expect(registry.findToken('BTC')).toBeUndefined();
  });

  it('registers tokens given to the constructor and by registerToken', () => {
    const registry = new InstrumentRegistry([BONK]);
    const usdc = registry.registerToken(USDC);
    expect(usdc).toEqual({ kind: 'token', id: USDC.tokenAddress, ...USDC });
    expect(Object.isFrozen(usdc)).toBe(true);
    expect(registry.findToken(USDC.tokenAddress)).toBe(usdc);
    expect(registry.get(BONK.tokenAddress).kind).toBe('token');
    expect(registry.tokens().map((token) => token.symbol)).toEqual(['BONK', 'USDC']);
    expect(registry.all()).toHaveLength(22);
    expect(registry.priceInstruments()).toHaveLength(20);
  });

  it('is idempotent for an identical definition and returns the same instrument', () => {
    const registry = new InstrumentRegistry();
    const seen: TokenInstrument[] = [];
    registry.onTokenRegistered((token) => seen.push(token));
    const first = registry.registerToken(BONK);
    const second = registry.registerToken({ ...BONK });
    expect(second).toBe(first);
    expect(seen).toEqual([first]);
    expect(registry.tokens()).toHaveLength(1);
  });

  it('rejects a conflicting redefinition and keeps the original', () => {
    const registry = new InstrumentRegistry([BONK]);
    for (const change of [{ decimals: 6 }, { symbol: 'BONK2' }, { quoteToken: USDC.tokenAddress }]) {
      expect(invalidReason(registry, { ...BONK, ...change })).toContain('already registered with a different definition');
    }
    expect(registry.findToken(BONK.tokenAddress)).toMatchObject(BONK);
  });

  it('refuses to shadow a price symbol', () => {
    const registry = new InstrumentRegistry();
    expect(() => registry.registerToken({ ...BONK, tokenAddress: 'BTC' })).toThrow(InvalidInstrumentError);
    expect(registry.get('BTC').kind).toBe('price');
  });

  it.each<[string, Partial<TokenDefinition>, string]>([
    ['a non-base58 token address', { tokenAddress: 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB26O' }, 'tokenAddress'],
    ['a short token address', { tokenAddress: 'So1111111111' }, 'tokenAddress'],
    ['a 33-byte token address', { tokenAddress: 'z'.repeat(44) }, 'tokenAddress'],
    ['a bad quote token', { quoteToken: 'WSOL' }, 'quoteToken'],
    ['negative decimals', { decimals: -1 }, 'decimals'],
    ['fractional decimals', { decimals: 1.5 }, 'decimals'],
    ['too many decimals', { decimals: 19 }, 'decimals'],
    ['NaN decimals', { decimals: Number.NaN }, 'decimals'],
    ['an empty symbol', { symbol: '' }, 'symbol'],
    ['a symbol with a space', { symbol: 'BO NK' }, 'symbol'],
    ['a 17-character symbol', { symbol: 'A'.repeat(17) }, 'symbol'],
    ['a non-string symbol', { symbol: 42 as unknown as string }, 'symbol'],
  ])('rejects %s', (_label, change, mentioned) => {
    const registry = new InstrumentRegistry();
    expect(invalidReason(registry, { ...BONK, ...change })).toContain(mentioned);
    expect(registry.tokens()).toEqual([]);
  });

  it('accepts the boundary values of decimals and symbol', () => {
    const registry = new InstrumentRegistry();
    expect(registry.registerToken({ ...BONK, decimals: 0, symbol: 'A' }).decimals).toBe(0);
    expect(registry.registerToken({ ...USDC, decimals: 18, symbol: 'A.b_c-D'.padEnd(16, '9') }).decimals).toBe(18);
  });

  it('notifies listeners of later registrations until they unsubscribe', () => {
    const registry = new InstrumentRegistry([BONK]);
    const seen: string[] = [];
    const unsubscribe = registry.onTokenRegistered((token) => seen.push(token.symbol));
    expect(seen).toEqual([]);
    registry.registerToken(USDC);
    expect(seen).toEqual(['USDC']);
    unsubscribe();
    registry.registerToken({ ...USDC, tokenAddress: WRAPPED_SOL_MINT, symbol: 'WSOL', decimals: 9 });
    expect(seen).toEqual(['USDC']);
    expect(registry.findToken(WRAPPED_SOL_MINT)?.symbol).toBe('WSOL');
  });

  it('does not notify for rejected registrations', () => {
    const registry = new InstrumentRegistry();
    const seen: string[] = [];
    registry.onTokenRegistered((token) => seen.push(token.symbol));
    expect(() => registry.registerToken({ ...BONK, decimals: -1 })).toThrow(InvalidInstrumentError);
    expect(seen).toEqual([]);
  });
});

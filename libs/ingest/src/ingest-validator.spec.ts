import { InstrumentRegistry, ManualClock, WRAPPED_SOL_MINT, type Trade } from '@mdg/model';
import { MemoryTokenRegistry } from '@mdg/tokens';
import { CONTRACT_TOKENS } from '@mdg/tokens/testing';
import { eventually } from '@mdg/testing';
import { IngestValidator } from './ingest-validator';

const NOW = Date.UTC(2025, 3, 30, 12);
const [bonk, usdc] = CONTRACT_TOKENS;

function trade(overrides: Partial<Record<keyof Trade, unknown>> = {}): Record<string, unknown> {
  return {
    instrument: bonk.tokenAddress,
    price: 0.0000213,
    size: 1_500_000,
    side: 'buy',
    time: NOW - 1000,
    tradeId: 'sig1:0',
    source: 'raydium',
    ...overrides,
  };
}

describe('IngestValidator', () => {
  it('accepts a valid trade of a registered token and returns only the Trade fields, frozen', () => {
    const validator = new IngestValidator({ registry: new InstrumentRegistry([bonk]), clock: new ManualClock(NOW) });
    const result = validator.validate({ ...trade(), slot: 123 });
    expect(result).toEqual(trade());
    expect(Object.isFrozen(result)).toBe(true);
  });

  it('answers an unknown token with TOKEN_NOT_TRACKED and an unknown symbol with UNKNOWN_INSTRUMENT', () => {
    const validator = new IngestValidator({ registry: new InstrumentRegistry(), clock: new ManualClock(NOW) });
    expect(() => validator.validate(trade())).toThrow(
      expect.objectContaining({ code: 'TOKEN_NOT_TRACKED', message: `Token not found or not tracked: ${bonk.tokenAddress}` }),
    );
    expect(() => validator.validate(trade({ instrument: 'DOGE2' }))).toThrow(expect.objectContaining({ code: 'UNKNOWN_INSTRUMENT' }));
    expect(() => validator.validate(trade({ instrument: 42 }))).toThrow(expect.objectContaining({ code: 'INVALID_TRADE', field: 'instrument' }));
    expect(() => validator.validate('nope')).toThrow(expect.objectContaining({ code: 'INVALID_TRADE' }));
  });

  it('reports the first bad field of a known instrument’s trade', () => {
    const validator = new IngestValidator({ registry: new InstrumentRegistry([bonk]), clock: new ManualClock(NOW) });
    expect(() => validator.validate(trade({ price: -1 }))).toThrow(expect.objectContaining({ code: 'INVALID_TRADE', field: 'price' }));
    expect(() => validator.validate(trade({ time: NOW + 60_000 }))).toThrow(expect.objectContaining({ field: 'time' }));
  });

  it('with a policy, tracks an unknown token on its first valid trade and records it in the token store', async () => {
    const registry = new InstrumentRegistry();
    const tokens = new MemoryTokenRegistry();
    const validator = new IngestValidator({ registry, clock: new ManualClock(NOW), autoTrack: { quoteToken: WRAPPED_SOL_MINT, decimals: 6 }, tokens });
    // A malformed trade tracks nothing.
    expect(() => validator.validate(trade({ size: 0 }))).toThrow(expect.objectContaining({ field: 'size' }));
    expect(registry.findToken(bonk.tokenAddress)).toBeUndefined();
    expect(validator.validate(trade())).toEqual(trade());
    expect(registry.findToken(bonk.tokenAddress)).toEqual(
      expect.objectContaining({ quoteToken: WRAPPED_SOL_MINT, decimals: 6, symbol: bonk.tokenAddress.slice(0, 8) }),
    );
    expect(validator.validate(trade({ tradeId: 'sig2:0' }))).toBeDefined();
    expect(validator.stats()).toEqual({ autoTracked: 1, autoTrackRefused: 0 });
    await eventually(async () => (await tokens.get(bonk.tokenAddress))?.origin === 'auto', { timeoutMs: 1000, what: 'the auto-tracked token in the store' });
    // Symbols are never auto-tracked.
    expect(() => validator.validate(trade({ instrument: 'DOGE2' }))).toThrow(expect.objectContaining({ code: 'UNKNOWN_INSTRUMENT' }));
    await tokens.close();
  });

  it('stops auto-tracking at maxTokens, and reports a failing token store without refusing the trade', async () => {
    const tokens = new MemoryTokenRegistry();
    await tokens.close();
    const errors: Error[] = [];
    const registry = new InstrumentRegistry();
    const validator = new IngestValidator({
      registry,
      clock: new ManualClock(NOW),
      autoTrack: { quoteToken: WRAPPED_SOL_MINT, decimals: 6, maxTokens: 1 },
      tokens,
      onError: (error) => errors.push(error),
    });
    expect(validator.validate(trade())).toBeDefined();
    expect(() => validator.validate(trade({ instrument: usdc.tokenAddress }))).toThrow(
      expect.objectContaining({ code: 'TOKEN_NOT_TRACKED', message: expect.stringContaining('auto-track limit of 1') }),
    );
    expect(validator.stats()).toEqual({ autoTracked: 1, autoTrackRefused: 1 });
    await eventually(async () => errors.length === 1, { timeoutMs: 1000, what: 'the store failure' });
    expect(errors[0]).toMatchObject({ code: 'TOKEN_STORE_ERROR', reason: 'closed' });
  });

  it('refuses a malformed policy', () => {
    expect(() => new IngestValidator({ registry: new InstrumentRegistry(), autoTrack: { quoteToken: 'SOL', decimals: 30 } })).toThrow(/quoteToken.*decimals/s);
  });
});

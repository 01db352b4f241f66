import { InstrumentRegistry, PRICE_SYMBOLS, WRAPPED_SOL_MINT, isSolanaAddress, notionalUsd } from '@mdg/model';
import { SIMULATED_PRICE_SYMBOLS } from './simulated-price-symbols';
import { SIMULATED_TOKENS } from './simulated-tokens';

describe('SIMULATED_TOKENS', () => {
  it('are the eight fixed mints, each a valid Solana address', () => {
    expect(SIMULATED_TOKENS.map((token) => [token.symbol, token.tokenAddress])).toEqual([
      ['PUMPCAT', 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n'],
      ['MOONDOG', 'AdcadySzbmkkTUUUfi5XZ3DA5oh2B71FLptps8nj61PB'],
      ['SOLBEAR', '4XbVSsvr9xF15SCmKpdtihuqiofkatWYQnbVUyFpwYQT'],
      ['RAYFROG', 'DAdaNzLPqNhp6xEBrPwp76jH8V83k4ejYAcQfQL8HduX'],
      ['JUPCOIN', 'FcAs9YWjjn7qw7C67cjjj3nbDU6whq136EEtDUm3NzLb'],
      ['ORCAFI', '2fmPYGcHGFKNjPyLFrqiiXf8JDYUJyXhHVAugEdg4oAs'],
      ['BONKER', '61HK62bL8ZFixw87qtc56R6huvfec7DSs7A5MT33Jaip'],
      ['DRIFTY', '3wZjaWcmwiAYoM5EYCKwRrg8Abdi6B59ME1uivrAnfzi'],
    ]);
    for (const token of SIMULATED_TOKENS) {
      expect(isSolanaAddress(token.tokenAddress)).toBe(true);
      expect(token.id).toBe(token.tokenAddress);
      expect(token.quoteToken).toBe(WRAPPED_SOL_MINT);
    }
  });

  it('register as-is in an InstrumentRegistry', () => {
    const registry = new InstrumentRegistry(SIMULATED_TOKENS);
    expect(registry.tokens().map((token) => token.symbol)).toEqual(SIMULATED_TOKENS.map((token) => token.symbol));
    expect(registry.findToken('J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n')?.decimals).toBe(6);
  });

  it('mix 6 and 9 decimals and span sub-cent to a few dollars', () => {
    const decimals = new Set(SIMULATED_TOKENS.map((token) => token.decimals));
    expect([...decimals].sort()).toEqual([6, 9]);
    const prices = SIMULATED_TOKENS.map((token) => token.startPrice);
    expect(Math.min(...prices)).toBeLessThan(0.0001);
    expect(Math.max(...prices)).toBeGreaterThan(1);
    expect(Math.max(...prices)).toBeLessThan(10);
    expect(SIMULATED_TOKENS.find((token) => token.symbol === 'PUMPCAT')?.startPrice).toBe(0.0000874);
  });

  it('keep even a very large trade within exact integer range of smallest units', () => {
    for (const token of SIMULATED_TOKENS) {
      // A 100x-median trade at a tenth of the start price.
      const units = ((token.medianNotionalUsd * 100) / (token.startPrice / 10)) * 10 ** token.decimals;
      expect(units).toBeLessThan(Number.MAX_SAFE_INTEGER);
    }
  });

  it('are immutable data', () => {
    expect(Object.isFrozen(SIMULATED_TOKENS)).toBe(true);
    expect(SIMULATED_TOKENS.every((token) => Object.isFrozen(token))).toBe(true);
  });
});

describe('SIMULATED_PRICE_SYMBOLS', () => {
  it('covers exactly the 20 price symbols, in order', () => {
    expect(SIMULATED_PRICE_SYMBOLS.map((row) => row.id)).toEqual([...PRICE_SYMBOLS]);
  });

  it('starts near real-world levels', () => {
    const price = (id: string): number => SIMULATED_PRICE_SYMBOLS.find((row) => row.id === id)!.startPrice;
    expect(price('BTC')).toBeGreaterThan(50_000);
    expect(price('BTC')).toBeLessThan(150_000);
    expect(price('ETH')).toBeGreaterThan(1_500);
    expect(price('ETH')).toBeLessThan(6_000);
    expect(price('SOL')).toBeGreaterThan(50);
    expect(price('SOL')).toBeLessThan(300);
    expect(price('DOGE')).toBeGreaterThan(0.05);
    expect(price('DOGE')).toBeLessThan(0.5);
    expect(price('VET')).toBeGreaterThan(0.005);
    expect(price('VET')).toBeLessThan(0.05);
  });

  it('has sane parameters: whole-coin sizes, positive volatility, weight and notional, BTC and ETH busiest', () => {
    for (const row of SIMULATED_PRICE_SYMBOLS) {
      expect(row.decimals).toBe(0);
      expect(row.dailyVolatility).toBeGreaterThan(0);
      expect(row.dailyVolatility).toBeLessThan(0.2);
      expect(row.weight).toBeGreaterThan(0);
      // The smallest lot is worth far less than a median trade, so sizes are not all one lot.
      expect(notionalUsd({ kind: 'price', id: row.id, symbol: row.id, decimals: 0 }, row.startPrice, 10 ** -row.sizeDecimals)).toBeLessThan(
        row.medianNotionalUsd / 20,
      );
    }
    const byWeight = [...SIMULATED_PRICE_SYMBOLS].sort((a, b) => b.weight - a.weight).map((row) => row.id);
    expect(byWeight.slice(0, 2)).toEqual(['BTC', 'ETH']);
  });
});

import { WRAPPED_SOL_MINT, type TokenDefinition } from '@mdg/model';
import type { SimulatedInstrument } from './simulated-instrument';

/**
 * A simulated Solana token: both a TokenDefinition (so `new InstrumentRegistry(SIMULATED_TOKENS)`
 * tracks it) and a SimulatedInstrument (so the simulator trades it); `id` is the mint.
 */
export interface SimulatedToken extends SimulatedInstrument, Readonly<Omit<TokenDefinition, 'decimals'>> {}

type Row = [symbol: string, tokenAddress: string, decimals: 6 | 9, startPrice: number, dailyVolatility: number, weight: number, medianNotionalUsd: number];

/*
 * Fixed, made-up mints (each decodes to 32 bytes) so dashboards, bots and tests can
 * hard-code them across restarts. Memecoin-like: sub-cent to a few dollars, 15-55 %
 * daily volatility, small trades (PROTOCOL.md's example bucket averages ~$40 a trade).
 * Only tokens above a few cents use 9 decimals: below, a large trade would exceed 2^53 smallest units.
 */
const ROWS: readonly Row[] = [
  ['PUMPCAT', 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n', 6, 0.0000874, 0.45, 3, 40],
  ['MOONDOG', 'AdcadySzbmkkTUUUfi5XZ3DA5oh2B71FLptps8nj61PB', 6, 0.00231, 0.4, 2.5, 60],
  ['SOLBEAR', '4XbVSsvr9xF15SCmKpdtihuqiofkatWYQnbVUyFpwYQT', 9, 0.0417, 0.3, 2, 90],
  ['RAYFROG', 'DAdaNzLPqNhp6xEBrPwp76jH8V83k4ejYAcQfQL8HduX', 6, 0.000512, 0.5, 2, 35],
  ['JUPCOIN', 'FcAs9YWjjn7qw7C67cjjj3nbDU6whq136EEtDUm3NzLb', 6, 0.82, 0.18, 2, 150],
  ['ORCAFI', '2fmPYGcHGFKNjPyLFrqiiXf8JDYUJyXhHVAugEdg4oAs', 9, 2.35, 0.15, 1.5, 200],
  ['BONKER', '61HK62bL8ZFixw87qtc56R6huvfec7DSs7A5MT33Jaip', 6, 0.0000213, 0.55, 2.5, 30],
  ['DRIFTY', '3wZjaWcmwiAYoM5EYCKwRrg8Abdi6B59ME1uivrAnfzi', 6, 0.0063, 0.35, 1.5, 70],
];

/** The simulated tokens, quoted in wrapped SOL like pump.fun / Raydium pools. */
export const SIMULATED_TOKENS: readonly SimulatedToken[] = Object.freeze(
  ROWS.map(([symbol, tokenAddress, decimals, startPrice, dailyVolatility, weight, medianNotionalUsd]) =>
    Object.freeze({
      id: tokenAddress,
      tokenAddress,
      quoteToken: WRAPPED_SOL_MINT,
      symbol,
      decimals,
      // Sizes are integer smallest units.
      sizeDecimals: 0,
      priceDigits: 5,
      startPrice,
      dailyVolatility,
      weight,
      medianNotionalUsd,
      // AMM fee plus slippage on thin pools.
      halfSpread: 0.004,
    }),
  ),
);

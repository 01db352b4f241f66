import { WRAPPED_SOL_MINT, type Candle, type TokenDefinition, type TokenInstrument } from '@mdg/model';

/** PROTOCOL.md B's example token: a 6-decimal token quoted in wrapped SOL. */
export const EXAMPLE_TOKEN_DEFINITION: TokenDefinition = {
  tokenAddress: 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n',
  quoteToken: WRAPPED_SOL_MINT,
  decimals: 6,
  symbol: 'PUMPCAT',
};

export const EXAMPLE_TOKEN: TokenInstrument = { kind: 'token', id: EXAMPLE_TOKEN_DEFINITION.tokenAddress, ...EXAMPLE_TOKEN_DEFINITION };

/** PROTOCOL.md B's example candle (bucket 2025-04-30T15:16:00Z). */
export const EXAMPLE_CANDLE: Candle = {
  time: 1746026160000,
  open: 0.0000936,
  high: 0.0000936,
  low: 0.0000854,
  close: 0.0000866,
  volume: 2667017166926,
  volumeUsd: 233.23,
  trades: 6,
  buys: 3,
  sells: 3,
};

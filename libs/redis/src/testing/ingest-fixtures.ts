import { WRAPPED_SOL_MINT, type TokenDefinition, type Trade } from '@mdg/model';

/** Two made-up mints (valid base58, 32 bytes) for the ingest tests. */
export const INGEST_TEST_TOKENS: readonly TokenDefinition[] = Object.freeze([
  Object.freeze({ tokenAddress: 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n', quoteToken: WRAPPED_SOL_MINT, decimals: 6, symbol: 'PUMPCAT' }),
  Object.freeze({ tokenAddress: 'AdcadySzbmkkTUUUfi5XZ3DA5oh2B71FLptps8nj61PB', quoteToken: WRAPPED_SOL_MINT, decimals: 9, symbol: 'MOONDOG' }),
]);

/**
 * `count` token trades with distinct ids and distinct, increasing times (so candles do not
 * depend on arrival order), ending shortly before `endMs`.
 */
export function ingestTestTrades(count: number, endMs: number, source = 'test-dex'): Trade[] {
  const start = endMs - count * 37 - 1000;
  return Array.from({ length: count }, (_, i) => {
    const token = INGEST_TEST_TOKENS[i % INGEST_TEST_TOKENS.length]!;
    return Object.freeze({
      instrument: token.tokenAddress,
      price: 0.001 * (1 + ((i * 7919) % 97) / 10),
      size: 1000 + ((i * 104_729) % 5000),
      side: i % 3 === 0 ? 'sell' : 'buy',
      time: start + i * 37,
      tradeId: `t${i}`,
      source,
    });
  });
}

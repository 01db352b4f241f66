import { PRICE_SYMBOLS, TIMEFRAMES, type InstrumentRegistry } from '@mdg/model';

/** GET /instruments: what bots can subscribe to on each endpoint. */
export function instrumentsView(registry: InstrumentRegistry): unknown {
  return {
    prices: { endpoint: '/api-ws', symbols: [...PRICE_SYMBOLS] },
    chartLive: {
      endpoint: '/ws/chart-live',
      timeframes: [...TIMEFRAMES],
      tokens: registry
        .tokens()
        .map((token) => ({ tokenAddress: token.tokenAddress, quoteToken: token.quoteToken, decimals: token.decimals, symbol: token.symbol })),
    },
  };
}

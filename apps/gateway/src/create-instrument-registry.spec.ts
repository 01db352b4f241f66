import { loadGatewayConfig } from '@mdg/config';
import { SIMULATED_TOKENS } from '@mdg/feeds';
import { PRICE_SYMBOLS } from '@mdg/model';
import { createInstrumentRegistry } from './create-instrument-registry';

const SIMULATED_MINTS = SIMULATED_TOKENS.map((token) => token.tokenAddress);

function tokensFor(feed: string): string[] {
  return createInstrumentRegistry(loadGatewayConfig({ MDG_FEED: feed, MDG_REPLAY_SPEED: '0' }))
    .tokens()
    .map((token) => token.tokenAddress);
}

describe('the instruments a gateway starts with', () => {
  it('include the simulated tokens when the simulator runs, alone or with ingest', () => {
    expect(tokensFor('simulator')).toEqual(SIMULATED_MINTS);
    expect(tokensFor('simulator,ingest')).toEqual(SIMULATED_MINTS);
    expect(createInstrumentRegistry(loadGatewayConfig({})).tokens()).toHaveLength(SIMULATED_MINTS.length);
  });

  it('leave them out for real venues, replays and ingest-only deployments', () => {
    for (const feed of ['binance', 'coinbase', 'binance,coinbase', 'binance,ingest', 'ingest', 'replay:/tmp/trades.ndjson']) {
      expect([feed, tokensFor(feed)]).toEqual([feed, []]);
    }
  });

  it('always include the price symbols', () => {
    for (const feed of ['simulator', 'ingest']) {
      expect(
        createInstrumentRegistry(loadGatewayConfig({ MDG_FEED: feed }))
          .priceInstruments()
          .map((instrument) => instrument.symbol),
      ).toEqual([...PRICE_SYMBOLS]);
    }
  });
});

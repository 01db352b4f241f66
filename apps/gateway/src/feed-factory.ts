import { ReplayFeed, SimulatedFeed, type Feed } from '@mdg/feeds';
import { MergedFeed } from '@mdg/ingest';
import type { Clock, InstrumentRegistry } from '@mdg/model';
import { BinanceTradeFeed, CoinbaseTradeFeed, FailoverFeed } from '@mdg/venues';
import type { GatewayConfig } from '@mdg/config';

/**
 * A fresh feed per engine promotion (a feed is started once): the market feed of MDG_FEED,
 * merged with the ingest feed when `ingest` is on.
 */
export function createFeed(config: GatewayConfig, registry: InstrumentRegistry, clock: Clock, ingest: Feed | undefined): Feed {
  const market = createMarketFeed(config, registry, clock);
  const feeds = [market, ingest].filter((feed): feed is Feed => feed !== undefined);
  if (feeds.length === 0) throw new Error('MDG_FEED names no feed');
  return feeds.length === 1 ? feeds[0]! : new MergedFeed(feeds);
}

function createMarketFeed(config: GatewayConfig, registry: InstrumentRegistry, clock: Clock): Feed | undefined {
  const spec = config.feed;
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'simulator':
      return new SimulatedFeed({ seed: config.simulator.seed, tradesPerSecond: config.simulator.tradesPerSecond, clock });
    case 'replay':
      return new ReplayFeed({ path: spec.path, registry, speed: spec.speed, clock, rebaseTimeTo: clock.now() });
    case 'venues': {
      const feeds = spec.venues.map((venue) =>
        venue === 'binance'
          ? new BinanceTradeFeed({ registry, url: config.binanceUrl, clock })
          : new CoinbaseTradeFeed({ registry, url: config.coinbaseUrl, clock }),
      );
      return feeds.length === 1 ? feeds[0]! : new FailoverFeed({ sources: feeds });
    }
  }
}

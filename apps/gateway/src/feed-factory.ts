import { ReplayFeed, SimulatedFeed, type Feed } from '@mdg/feeds';
import type { Clock, InstrumentRegistry } from '@mdg/model';
import { BinanceTradeFeed, CoinbaseTradeFeed, FailoverFeed } from '@mdg/venues';
import type { GatewayConfig } from './config';

/** A fresh feed per engine promotion (a feed is started once). */
export function createFeed(config: GatewayConfig, registry: InstrumentRegistry, clock: Clock): Feed {
  const spec = config.feed;
  switch (spec.kind) {
    case 'simulator':
      return new SimulatedFeed({ seed: config.simulator.seed, tradesPerSecond: config.simulator.tradesPerSecond, clock });
    case 'replay':
      return new ReplayFeed({ path: spec.path, registry, speed: spec.speed, clock, rebaseTimeTo: clock.now() });
    case 'venues': {
      const feeds = spec.venues.map((venue) =>
        venue === 'binance' ? new BinanceTradeFeed({ registry, url: config.binanceUrl, clock }) : new CoinbaseTradeFeed({ registry, url: config.coinbaseUrl, clock }),
      );
      return feeds.length === 1 ? feeds[0]! : new FailoverFeed({ sources: feeds });
    }
  }
}

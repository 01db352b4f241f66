import type { GatewayConfig } from '@mdg/config';
import { SIMULATED_TOKENS } from '@mdg/feeds';
import { InstrumentRegistry } from '@mdg/model';

/**
 * The instruments this process starts with: the price symbols always; the simulator's
 * made-up tokens only when the simulator is the market feed (MDG_FEED=simulator, with or
 * without ingest). A deployment on real venues or real on-chain trades must not list,
 * accept subscriptions to, or make indexers collide with mints that trade nowhere.
 * Registered tokens (MDG_TOKENS_FILE / Redis) are added later by the ingest wiring.
 */
export function createInstrumentRegistry(config: Pick<GatewayConfig, 'feed'>): InstrumentRegistry {
  return new InstrumentRegistry(config.feed.kind === 'simulator' ? SIMULATED_TOKENS : []);
}

import type { InstrumentRegistry } from '@mdg/model';
import type { VenueMarketMap } from './venue-market-map';

/** What a decoder needs besides the frame: the venue's markets and the boundary check's inputs. */
export interface FrameContext {
  markets: VenueMarketMap;
  registry: InstrumentRegistry;
  /** Wall-clock "now" (unix ms) for validateTrade's future-skew check. */
  nowMs: number;
  /** Passed to validateTrade. Default 5000 ms. */
  maxFutureSkewMs?: number;
}

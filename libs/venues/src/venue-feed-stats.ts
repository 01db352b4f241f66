import type { FeedStats } from '@mdg/feeds';
import type { VenueConnectionStats } from './venue-connection-stats';

/** `stats()` of a venue feed: the Feed counters plus the connection manager's. */
export interface VenueFeedStats extends FeedStats, VenueConnectionStats {}

import type { FeedHandlers } from '@mdg/feeds';

/**
 * FeedHandlers plus an optional liveness signal. Venue feeds call `onHeartbeat` when the venue
 * sends a keep-alive (Coinbase `heartbeats`), so a consumer such as FailoverFeed can tell "the
 * source is alive, these markets are just quiet" from "the source went silent".
 */
export interface LivenessHandlers extends FeedHandlers {
  /** A keep-alive arrived; it vouches for these instruments. */
  onHeartbeat?(instruments: readonly string[]): void;
}

import type { InvalidFeedInputError, Trade } from '@mdg/model';
import type { ReconnectBackoffOptions } from './reconnect-backoff';
import type { SendRateLimit } from './send-rate-limiter';
import type { VenueConnectionEvent } from './venue-connection-event';
import type { VenueProtocol } from './venue-protocol';
import type { VenueTimers } from './venue-timers';

export interface VenueConnectionOptions {
  protocol: VenueProtocol;
  /** No message at all on the active connection for this long → replace it (counted in staleReconnects). */
  staleAfterMs: number;
  /** Planned make-before-break replacement of a connection this old; undefined: never. */
  rotateAfterMs: number | undefined;
  /** How long the replaced connection keeps delivering (deduplicated) after the new one delivered. */
  rotationOverlapMs: number;
  /** WebSocket opening handshake timeout. */
  connectTimeoutMs: number;
  /** Pace of subscribe messages, shared by every connection of this manager. */
  rateLimit: SendRateLimit;
  backoff: ReconnectBackoffOptions;
  /** Recent trade ids remembered for dedup (per instrument + id); 0 disables. */
  dedupCapacity: number;
  /** Largest frame accepted from the venue. */
  maxPayloadBytes: number;
  /** Source of jitter, in [0, 1). */
  random: () => number;
  timers: VenueTimers;
  /** Wall-clock unix ms, handed to the decoder for validateTrade. */
  wallClockNow: () => number;
}

/** Where a VenueConnection reports; the owning feed turns these into Feed handler calls. */
export interface VenueConnectionListener {
  /** A validated trade seen for the first time (duplicates are counted, not passed on). */
  trade(trade: Trade): void;
  heartbeat(): void;
  /** A frame or trade rejected at the boundary. */
  rejected(error: InvalidFeedInputError): void;
  /** Connection trouble or a venue error; the connection carries on by itself. */
  error(error: Error): void;
  /** 'live': the active connection is subscribed; 'stale': it is being (re)established. */
  stateChanged(state: 'live' | 'stale'): void;
  event(event: VenueConnectionEvent): void;
}

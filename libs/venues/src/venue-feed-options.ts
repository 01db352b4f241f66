import type { Clock, InstrumentRegistry } from '@mdg/model';
import type { ReconnectBackoffOptions } from './reconnect-backoff';
import type { SendRateLimit } from './send-rate-limiter';
import type { VenueConnectionEvent } from './venue-connection-event';
import type { VenueMarketMap } from './venue-market-map';
import type { VenueTimers } from './venue-timers';

/** Options every venue feed takes; venue-specific ones extend it. Defaults are per venue (see each feed). */
export interface VenueFeedOptions {
  /** Trades are validated against it (the price symbols are always tracked). */
  registry: InstrumentRegistry;
  /** WebSocket base URL; tests point it at a loopback fake. Default: the venue's public endpoint. */
  url?: string;
  /** Which of our symbols to subscribe. Default: every symbol the venue lists (`markets`). */
  symbols?: readonly string[];
  /** Symbol ↔ market table. Default: the venue's declared table (binance-markets.ts, coinbase-markets.ts). */
  markets?: VenueMarketMap;
  /** No message on the active connection for this long → reconnect (counted as staleReconnects). */
  staleAfterMs?: number;
  /** Rotate a connection this old, make-before-break; false: never. */
  rotateAfterMs?: number | false;
  /** How long the old connection keeps delivering after the new one took over. Default 3000 ms. */
  rotationOverlapMs?: number;
  /** WebSocket handshake timeout. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Pace of subscribe messages (the venue's inbound message limit, minus headroom). */
  rateLimit?: SendRateLimit;
  /** Reconnect backoff. Default 500 ms doubling to 30 s, 50 % jitter. */
  backoff?: ReconnectBackoffOptions;
  /** Recent (instrument, trade id) pairs remembered for dedup. Default 20 000; 0 disables. */
  dedupCapacity?: number;
  /** Passed to validateTrade: how far a venue's clock may run ahead of ours. Default 5000 ms. */
  maxFutureSkewMs?: number;
  /** Largest frame accepted. Default 16 MiB. */
  maxPayloadBytes?: number;
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number;
  /** Monotonic time and timers for the connection machinery. Default systemVenueTimers. */
  timers?: VenueTimers;
  /** Wall clock: "now" of the trade validation. Default systemClock. */
  clock?: Clock;
  /** Feed name. Default the venue name. */
  name?: string;
  /** Observer of connection events (logs, metrics); must not throw (a throw becomes a process warning). */
  onEvent?: (event: VenueConnectionEvent) => void;
}

import type { EdgeConnectionStats } from '@mdg/edge';
import type { FeedStats } from '@mdg/feeds';
import type { ChartLiveErrorCode } from '@mdg/protocol';

/*
 * The adapters' stats as metrics read them. metrics may not import another adapter, so it
 * declares here the fields it maps to Prometheus; TypeScript is structural, so the app passes
 * the adapter's own `stats()` (SocketIoPriceGateway, ChartLiveEndpoint, RedisMarketBus,
 * RedisConnectionRegistry, CandleWorker, the venue and failover feeds) wherever one is asked
 * for, and the compiler checks there that the adapter still reports every field read here.
 */

/** The server → client events of `/api-ws` (a fixed set: a metric label). */
export type SocketIoEvent = 'initial-prices' | 'price-update';

/** What a `/ws/chart-live` message carries (a fixed set: a metric label). */
export type ChartLiveEvent = 'chart' | 'control';

/** Messages and bytes handed to the transport, for one event. */
export interface SentReading {
  messages: number;
  bytes: number;
}

/** `SocketIoPriceGateway.stats()` (@mdg/socketio). */
export interface SocketIoStatsReading extends EdgeConnectionStats {
  engineConnections: number;
  badPayloads: number;
  unknownSymbols: number;
  rateLimited: number;
  updatesBroadcast: number;
  droppedEnvelopes: number;
  messagesSent: number;
  subscriptions: number;
  sent: Record<SocketIoEvent, SentReading>;
  fastPathBroadcasts: number;
  slowPathBroadcasts: number;
  largestBufferedBytes: number;
}

/** `ChartLiveEndpoint.stats()` (@mdg/uws). */
export interface ChartLiveStatsReading extends EdgeConnectionStats {
  subscriptions: number;
  streams: number;
  slowClients: number;
  errors: Partial<Record<ChartLiveErrorCode, number>>;
  messagesSent: number;
  bytesSent: number;
  sent: Record<ChartLiveEvent, SentReading>;
  conflatedUpdates: number;
  resyncs: number;
  incompleteCatchUps: number;
  peakBufferedBytes: number;
  droppedEnvelopes: number;
}

/** `RedisMarketBus.stats()` (@mdg/redis). */
export interface BusStatsReading {
  published: number;
  fenced: number;
  conflated: number;
  dropped: number;
  finalsDropped: number;
  failed: number;
  pending: number;
  received: number;
  decodeErrors: number;
  handlerErrors: number;
  disconnects: number;
  channels: number;
}

/** `RedisConnectionRegistry.stats()` (@mdg/redis). */
export interface RegistryStatsReading {
  held: number;
  renewed: number;
  readmitted: number;
  lost: number;
  renewalFailures: number;
  connectionErrors: number;
}

/** `CandleWorker.jobCounts()` (@mdg/jobs): the queue's jobs by state. */
export interface JobCountsReading {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** `CandleWorker.stats()` (@mdg/jobs). */
export interface CandleWorkerStatsReading {
  jobs: number;
  candles: number;
  failedAttempts: number;
  prunes: number;
  pruned: number;
}

/** The extra counters of a venue feed (@mdg/venues VenueConnectionStats) and a failover feed. */
export interface VenueFeedStatsReading extends FeedStats {
  readonly reconnects: number;
  readonly staleReconnects: number;
  readonly rotations: number;
  readonly duplicates: number;
  readonly shutdownNotices: number;
  readonly openConnections: number;
  readonly switches: number;
}

import type { EdgeConnectionStats } from '@mdg/edge';
import type { ChartLiveErrorCode } from '@mdg/protocol';

/**
 * What a message sent on `/ws/chart-live` carries (a fixed set: metrics use it as a label):
 * `chart` = candle events (live, late-joiner current candle, slow-client catch-up, history);
 * `control` = everything else (connected, confirmations, errors, pongs).
 */
export type ChartLiveEvent = 'chart' | 'control';

/** Counters of one ChartLiveEndpoint; the connection counters are named as on every edge endpoint. */
export interface ChartLiveStats extends EdgeConnectionStats {
  /** (connection, stream) pairs. */
  subscriptions: number;
  /** Streams with at least one local subscriber (= hub listeners held). */
  streams: number;
  /** Connections currently slow: live updates stopped, waiting to drain. */
  slowClients: number;
  /** Error messages sent, by code (refusals included). */
  errors: Partial<Record<ChartLiveErrorCode, number>>;
  /** Messages and bytes handed to sockets (a publish counts once per live recipient). */
  messagesSent: number;
  bytesSent: number;
  /** The same, by what the message carries. */
  sent: Record<ChartLiveEvent, { messages: number; bytes: number }>;
  /** Stream updates a slow client never saw individually (merged into a newer candle). */
  conflatedUpdates: number;
  /** Slow clients brought current again (catch-up sent, live updates resumed). */
  resyncs: number;
  /** Catch-ups where neither the hub nor the finals ring reached back to the client's position. */
  incompleteCatchUps: number;
  /** Largest send buffer seen on any connection, in bytes (stays near softBackpressureBytes). */
  peakBufferedBytes: number;
  /** Bus envelopes that were not candle updates, or older than what was already sent. */
  droppedEnvelopes: number;
}

/** The traffic counters the sender keeps (sent messages, errors, buffer peak). */
export interface ChartLiveTrafficCounters {
  messagesSent: number;
  bytesSent: number;
  chartMessages: number;
  chartBytes: number;
  errors: Partial<Record<ChartLiveErrorCode, number>>;
  peakBufferedBytes: number;
}

/** The slow-consumer and fan-out counters. */
export interface ChartLiveDeliveryCounters {
  conflatedUpdates: number;
  resyncs: number;
  incompleteCatchUps: number;
  droppedEnvelopes: number;
}

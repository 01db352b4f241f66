import type { EdgeConnectionStats } from '@mdg/edge';

/** The server → client events of `/api-ws` (a fixed set: metrics use it as a label). */
export type SocketIoEvent = 'initial-prices' | 'price-update';

/**
 * Counters of one SocketIoPriceGateway since it was constructed (gauges where noted). The
 * connection counters are named as on every edge endpoint; server closes are counted by
 * meaning: `auth_failed` (revoked key, plan change), `try_again_later` (lost slot lease),
 * `limit_exceeded` (inbound flood), `slow_consumer`, `shutdown`.
 */
export interface SocketIoGatewayStats extends EdgeConnectionStats {
  /** Gauge: Engine.IO connections now, authenticated or not (handshaking, refused, in the auth middleware). */
  engineConnections: number;
  /** `subscribe`/`unsubscribe` payloads of the wrong shape (answered INVALID_PAYLOAD). */
  badPayloads: number;
  /** `subscribe`/`unsubscribe` naming an unsupported symbol (answered UNKNOWN_SYMBOL, nothing changed). */
  unknownSymbols: number;
  /** Inbound messages dropped by the per-connection rate limit. */
  rateLimited: number;
  /** Price envelopes broadcast (one per update, whatever the number of recipients). */
  updatesBroadcast: number;
  /** Price envelopes ignored because their payload was not a MarketUpdate. */
  droppedEnvelopes: number;
  /** `initial-prices` plus `price-update` messages handed to the transport (recipients counted at publish time). */
  messagesSent: number;
  /** Gauge: (connection, symbol) pairs delivered now (a connection that never subscribed counts all 20). */
  subscriptions: number;
  /**
   * Messages and bytes handed to the transport, by event. Bytes are the Socket.IO packet as
   * framed on a WebSocket (a broadcast's frame counted once per recipient).
   */
  sent: Record<SocketIoEvent, { messages: number; bytes: number }>;
  /** Broadcasts published with one uWS `app.publish` (one room, no exceptions). */
  fastPathBroadcasts: number;
  /** Broadcasts written socket by socket (several rooms or exceptions). */
  slowPathBroadcasts: number;
  /** Gauge: the largest per-connection buffered byte count seen at the last slow-client check. */
  largestBufferedBytes: number;
}

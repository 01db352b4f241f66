import type { Envelope } from '@mdg/bus';

/** The client protocols an edge serves. A fixed set: metrics use it as a label. */
export type EdgeProtocol = 'socketio' | 'chart-live';

/**
 * Told each time an adapter hands a live update to its sockets, so metrics can measure
 * tick-to-wire latency (now − `envelope.acceptedAt`) without the adapters knowing about
 * metrics. Called on the hot path once per envelope and protocol (one uWS publish), never
 * per recipient, and only when at least one socket got it; it must be cheap and must not
 * throw. Adapters given no observer skip the call entirely.
 */
export interface DeliveryObserver {
  /** `recipients` sockets were handed the same `bytes`-long frame carrying `envelope`. */
  onDelivered(protocol: EdgeProtocol, envelope: Envelope, recipients: number, bytes: number): void;
}

/**
 * Told about every envelope the bus hands a Hub, before fencing (a duplicate still crossed
 * the bus), so metrics can measure bus lag (now − `envelope.publishedAt`). Same rules as
 * DeliveryObserver: cheap, never throws.
 */
export interface HubObserver {
  onReceived(envelope: Envelope): void;
}

import type { Envelope } from './envelope';
import type { StreamId } from './stream-id';

export type EnvelopeHandler = (envelope: Envelope) => void;
export type BusState = 'connected' | 'disconnected';

/**
 * The port between engines and edges. The memory implementation runs everything in one
 * process; the Redis one spans nodes. Delivery is at-most-once (Redis pub/sub is), so
 * receivers use seq/epoch to notice gaps and `latest` to resync.
 */
export interface MarketBus {
  /** Sends one envelope to every subscriber of its stream and stores it as the stream's latest state. */
  publish(envelope: Envelope): void;
  /** Receives the stream's envelopes from now on. Returns the unsubscribe function. */
  subscribe(stream: StreamId, handler: EnvelopeHandler): () => void;
  /** The latest envelope published on each stream (undefined where none), for late joiners and resyncs. */
  latest(streams: readonly StreamId[]): Promise<(Envelope | undefined)[]>;
  state(): BusState;
  /** Called on every state change (disconnects, reconnects). Returns the unsubscribe function. */
  onStateChange(listener: (state: BusState) => void): () => void;
  close(): Promise<void>;
}

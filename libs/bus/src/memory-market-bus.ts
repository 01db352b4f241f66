import type { Envelope } from './envelope';
import type { BusState, EnvelopeHandler, MarketBus } from './market-bus';
import type { StreamId } from './stream-id';

/** The embedded bus: synchronous in-process fan-out, latest state kept per stream. */
export class MemoryMarketBus implements MarketBus {
  private readonly handlers = new Map<StreamId, Set<EnvelopeHandler>>();
  private readonly latestByStream = new Map<StreamId, Envelope>();
  private closed = false;
  private readonly stateListeners = new Set<(state: BusState) => void>();

  publish(envelope: Envelope): void {
    if (this.closed) return;
    this.latestByStream.set(envelope.stream, envelope);
    const handlers = this.handlers.get(envelope.stream);
    if (handlers === undefined) return;
    for (const handler of handlers) handler(envelope);
  }

  subscribe(stream: StreamId, handler: EnvelopeHandler): () => void {
    let handlers = this.handlers.get(stream);
    if (handlers === undefined) {
      handlers = new Set();
      this.handlers.set(stream, handlers);
    }
    // Wrap so that the same function may subscribe twice and unsubscribe each independently.
    const entry: EnvelopeHandler = (envelope) => handler(envelope);
    handlers.add(entry);
    return () => {
      handlers.delete(entry);
      if (handlers.size === 0 && this.handlers.get(stream) === handlers) this.handlers.delete(stream);
    };
  }

  latest(streams: readonly StreamId[]): Promise<(Envelope | undefined)[]> {
    return Promise.resolve(streams.map((stream) => this.latestByStream.get(stream)));
  }

  state(): BusState {
    return this.closed ? 'disconnected' : 'connected';
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Number of streams with at least one subscriber (lets tests check that edges unsubscribe). */
  subscribedStreamCount(): number {
    return this.handlers.size;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a throwing state listener rejects close() rather than throws
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    for (const listener of this.stateListeners) listener('disconnected');
  }
}

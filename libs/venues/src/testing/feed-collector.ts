import type { Trade } from '@mdg/model';
import type { LivenessHandlers } from '../liveness-handlers';
import type { VenueConnectionEvent } from '../venue-connection-event';

/** Handlers that record everything a feed reports, plus an `onEvent` sink for the venue feeds. */
export class FeedCollector implements LivenessHandlers {
  readonly trades: Trade[] = [];
  readonly errors: Error[] = [];
  readonly heartbeats: (readonly string[])[] = [];
  readonly events: VenueConnectionEvent[] = [];
  readonly onEvent = (event: VenueConnectionEvent): void => {
    this.events.push(event);
  };

  onTrade(trade: Trade): void {
    this.trades.push(trade);
  }

  onError(error: Error): void {
    this.errors.push(error);
  }

  onHeartbeat(instruments: readonly string[]): void {
    this.heartbeats.push(instruments);
  }

  eventsOf<T extends VenueConnectionEvent['type']>(type: T): Extract<VenueConnectionEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<VenueConnectionEvent, { type: T }> => event.type === type);
  }

  /** "BTC:12" keys of the received trades, in arrival order. */
  keys(): string[] {
    return this.trades.map((trade) => `${trade.instrument}:${trade.tradeId}`);
  }
}

/** Emits through `emit` every `everyMs` until the returned stop function is called. */
export function steadyEmitter(everyMs: number, emit: (index: number) => void): () => void {
  let index = 0;
  const handle = setInterval(() => emit(index++), everyMs);
  return () => clearInterval(handle);
}

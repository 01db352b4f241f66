import { isAfter, type Envelope, type MarketBus, type StreamId } from '@mdg/bus';
import type { HubObserver } from './delivery-observer';

/** What a listener learns besides the envelope. */
export interface DeliveryInfo {
  /** Something was missed before this envelope (seq jump or new epoch); clients see it as a seq jump. */
  gap: boolean;
}

export type StreamListener = (envelope: Envelope, info: DeliveryInfo) => void;

export interface HubStats {
  /** Streams this edge currently receives from the bus. */
  streams: number;
  gaps: number;
  /** Envelopes ignored: duplicates or from a deposed engine epoch. */
  stale: number;
}

interface StreamState {
  listeners: Set<StreamListener>;
  unsubscribe: () => void;
  epoch: number;
  seq: number;
  /** The last few envelopes, oldest first: lets a slow client catch up on finals it missed. */
  recent: Envelope[];
}

/**
 * The per-node fan-in: one bus subscription per stream that has local listeners, no
 * matter how many clients want it. Adapters attach one listener per stream (not per
 * client) and encode each envelope once. Fencing lives here too: envelopes from an older
 * epoch or with a seq already seen are ignored.
 */
export class Hub {
  private readonly streams = new Map<StreamId, StreamState>();
  private gaps = 0;
  private stale = 0;

  /**
   * @param recentLimit envelopes kept per stream for `since` (slow-client catch-up).
   * @param observer told about every envelope received (metrics: bus lag); none by default.
   */
  constructor(
    private readonly bus: MarketBus,
    private readonly recentLimit = 16,
    private readonly observer?: HubObserver,
  ) {}

  /** Adds a listener; the first listener of a stream subscribes it on the bus. Returns detach. */
  attach(stream: StreamId, listener: StreamListener): () => void {
    let state = this.streams.get(stream);
    if (state === undefined) {
      const created: StreamState = { listeners: new Set(), unsubscribe: () => undefined, epoch: 0, seq: 0, recent: [] };
      created.unsubscribe = this.bus.subscribe(stream, (envelope) => this.receive(created, envelope));
      this.streams.set(stream, created);
      state = created;
    }
    const entry: StreamListener = (envelope, info) => listener(envelope, info);
    state.listeners.add(entry);
    const owner = state;
    return () => {
      if (!owner.listeners.delete(entry) || owner.listeners.size > 0) return;
      owner.unsubscribe();
      if (this.streams.get(stream) === owner) this.streams.delete(stream);
    };
  }

  /** The newest envelope of each stream: from what this edge received, else from the bus's snapshot. */
  async latest(streams: readonly StreamId[]): Promise<(Envelope | undefined)[]> {
    const local = streams.map((stream) => this.streams.get(stream)?.recent.at(-1));
    const missing = streams.filter((_, index) => local[index] === undefined);
    if (missing.length === 0) return local;
    const fetched = await this.bus.latest(missing);
    let next = 0;
    return local.map((envelope) => envelope ?? fetched[next++]);
  }

  /** Envelopes of a stream after `seq` (same epoch), or undefined when the kept window does not reach back that far. */
  since(stream: StreamId, epoch: number, seq: number): Envelope[] | undefined {
    const state = this.streams.get(stream);
    if (state === undefined) return undefined;
    if (state.epoch !== epoch) return undefined;
    if (seq >= state.seq) return [];
    const first = state.recent[0];
    if (first === undefined || first.seq > seq + 1) return undefined;
    return state.recent.filter((envelope) => envelope.seq > seq);
  }

  /** The (epoch, seq) last delivered on a stream; seq 0 when nothing arrived yet. */
  position(stream: StreamId): { epoch: number; seq: number } {
    const state = this.streams.get(stream);
    return state ? { epoch: state.epoch, seq: state.seq } : { epoch: 0, seq: 0 };
  }

  stats(): HubStats {
    return { streams: this.streams.size, gaps: this.gaps, stale: this.stale };
  }

  private receive(state: StreamState, envelope: Envelope): void {
    // Before fencing: a duplicate or deposed envelope still crossed the bus, and its lag counts.
    if (this.observer !== undefined) this.observer.onReceived(envelope);
    if (!isAfter(envelope, state)) {
      this.stale += 1;
      return;
    }
    const gap = state.seq !== 0 && (envelope.epoch !== state.epoch || envelope.seq !== state.seq + 1);
    if (gap) this.gaps += 1;
    if (envelope.epoch !== state.epoch) state.recent.length = 0;
    state.epoch = envelope.epoch;
    state.seq = envelope.seq;
    state.recent.push(envelope);
    if (state.recent.length > this.recentLimit) state.recent.shift();
    const info: DeliveryInfo = { gap };
    for (const listener of state.listeners) listener(envelope, info);
  }
}

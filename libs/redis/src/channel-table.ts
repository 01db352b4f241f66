import type { EnvelopeHandler, StreamId } from '@mdg/bus';

/** The local handlers of one subscribed channel. */
export interface ChannelState {
  readonly stream: StreamId;
  readonly handlers: Set<EnvelopeHandler>;
}

/**
 * The channels a node is subscribed to, reference-counted by local handlers: a channel is
 * subscribed when its first handler arrives and unsubscribed when its last one leaves, so a
 * node receives only what it serves. The table decides; the bus sends the commands.
 */
export class ChannelTable {
  private readonly channels = new Map<string, ChannelState>();

  /**
   * Adds a handler; `first` says the channel is new (subscribe it). `remove` takes the handler
   * out again and returns true when that emptied the channel (unsubscribe it); a second call,
   * or a call after clear(), returns false.
   */
  add(channel: string, stream: StreamId, handler: EnvelopeHandler): { first: boolean; remove: () => boolean } {
    let state = this.channels.get(channel);
    const first = state === undefined;
    if (state === undefined) {
      state = { stream, handlers: new Set() };
      this.channels.set(channel, state);
    }
    const owner = state;
    // Wrap so that the same function may subscribe twice and unsubscribe each independently.
    const entry: EnvelopeHandler = (envelope) => handler(envelope);
    owner.handlers.add(entry);
    return {
      first,
      remove: () => {
        if (!owner.handlers.delete(entry) || owner.handlers.size > 0) return false;
        if (this.channels.get(channel) !== owner) return false;
        this.channels.delete(channel);
        return true;
      },
    };
  }

  get(channel: string): ChannelState | undefined {
    return this.channels.get(channel);
  }

  names(): string[] {
    return [...this.channels.keys()];
  }

  get size(): number {
    return this.channels.size;
  }

  clear(): void {
    this.channels.clear();
  }
}

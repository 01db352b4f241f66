import { isAfter, type Envelope, type StreamId } from '@mdg/bus';

/** What became of an envelope handed to the buffer. */
export type HoldOutcome = 'held' | 'conflated' | 'dropped' | 'finalDropped';

export interface ConflationBufferOptions {
  policy: 'conflate' | 'drop';
  /** Streams kept at most; envelopes of further streams are dropped. */
  maxStreams: number;
  /** Finals kept at most, all streams together; a final past the bound is dropped (and counted). */
  maxFinals: number;
  /** Whether an envelope is a final (a closed candle): finals are never conflated away. */
  isFinal: (envelope: Envelope) => boolean;
}

/**
 * Envelopes published while the bus is disconnected, per the `whileDisconnected` policy.
 * `conflate` keeps, per stream, every final (a closed candle happens once: a newer update of
 * the next bucket does not replace it) and only the newest of the other envelopes, so a stream
 * waits as `final, final, ..., newest update`, in stream order. `drop` keeps nothing.
 */
export class ConflationBuffer {
  /** Per stream, ascending stream position; only the last entry may be a non-final. */
  private readonly pending = new Map<StreamId, Envelope[]>();
  private finals = 0;

  constructor(private readonly options: ConflationBufferOptions) {}

  /**
   * `held`: kept; `conflated`: a non-final superseded (this one or the one waiting before it);
   * `dropped`: nothing kept (policy or stream bound); `finalDropped`: a final past the final bound.
   */
  hold(envelope: Envelope): HoldOutcome {
    if (this.options.policy === 'drop') return 'dropped';
    let queue = this.pending.get(envelope.stream);
    if (queue === undefined) {
      if (this.pending.size >= this.options.maxStreams) return 'dropped';
      queue = [];
      this.pending.set(envelope.stream, queue);
    }
    // Usually appended; a publish that failed with the connection comes back after newer ones.
    const after = queue.findIndex((waiting) => isAfter(waiting, envelope));
    const index = after === -1 ? queue.length : after;
    if (!this.options.isFinal(envelope)) {
      // Something newer already waits: it carries newer state than this update.
      if (index < queue.length) return 'conflated';
      const last = queue.at(-1);
      if (last !== undefined && !this.options.isFinal(last)) {
        queue[queue.length - 1] = envelope;
        return 'conflated';
      }
      queue.push(envelope);
      return 'held';
    }
    if (this.finals >= this.options.maxFinals) {
      if (queue.length === 0) this.pending.delete(envelope.stream);
      return 'finalDropped';
    }
    queue.splice(index, 0, envelope);
    this.finals += 1;
    const before = index > 0 ? queue[index - 1] : undefined;
    // The update of the same bucket that waited before its final says nothing the final does not.
    if (before !== undefined && !this.options.isFinal(before)) {
      queue.splice(index - 1, 1);
      return 'conflated';
    }
    return 'held';
  }

  /** Everything waiting, oldest stream first and each stream in order; the buffer is empty afterwards. */
  drain(): Envelope[] {
    const held = [...this.pending.values()].flat();
    this.pending.clear();
    this.finals = 0;
    return held;
  }

  /** Streams with something waiting. */
  get size(): number {
    return this.pending.size;
  }

  /** Finals waiting, all streams together. */
  get pendingFinals(): number {
    return this.finals;
  }
}

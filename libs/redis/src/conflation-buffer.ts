import { isAfter, type Envelope, type StreamId } from '@mdg/bus';

/** What became of an envelope handed to the buffer. */
export type HoldOutcome = 'held' | 'conflated' | 'dropped';

/**
 * Envelopes published while the bus is disconnected, per the `whileDisconnected` policy:
 * `conflate` keeps the newest per stream (at most `maxStreams` streams), so snapshots are
 * current again right after the reconnect; `drop` keeps nothing.
 */
export class ConflationBuffer {
  private readonly pending = new Map<StreamId, Envelope>();

  constructor(
    private readonly policy: 'conflate' | 'drop',
    private readonly maxStreams: number,
  ) {}

  /** `conflated`: the stream already had one waiting (the newer of the two stays); `dropped`: nothing kept. */
  hold(envelope: Envelope): HoldOutcome {
    if (this.policy === 'drop') return 'dropped';
    const held = this.pending.get(envelope.stream);
    if (held !== undefined) {
      if (isAfter(envelope, held)) this.pending.set(envelope.stream, envelope);
      return 'conflated';
    }
    if (this.pending.size >= this.maxStreams) return 'dropped';
    this.pending.set(envelope.stream, envelope);
    return 'held';
  }

  /** Everything waiting, oldest stream first; the buffer is empty afterwards. */
  drain(): Envelope[] {
    const held = [...this.pending.values()];
    this.pending.clear();
    return held;
  }

  get size(): number {
    return this.pending.size;
  }
}

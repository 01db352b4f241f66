import { isAfter, type Envelope, type StreamId, type StreamPosition } from '@mdg/bus';
import type { CandleUpdate, Timeframe, TokenInstrument } from '@mdg/model';
import { isCandleUpdate } from '@mdg/protocol';
import type { FlatFiller } from './flat-filler';

export type CandleEnvelope = Envelope<CandleUpdate>;

/** What a client that fell behind is sent to become current again. */
export interface CatchUp {
  /** In stream order: every missed final (closed candle) that is still known, then the newest open candle. */
  readonly envelopes: readonly CandleEnvelope[];
  /** Updates the client will never see individually (superseded open candles), when countable. */
  readonly conflated: number;
}

/**
 * One (token, timeframe) stream as this endpoint serves it: the local subscribers (the
 * ref-count behind the one hub listener), the last envelope published on its topic, and a
 * short ring of the last closed candles. Finals matter more than intermediate states (a bot
 * rebuilding OHLC history needs every closed bucket), and a stream has at most one final per
 * bucket, so a small ring covers a slow client for far longer than the hub's window of
 * recent envelopes does.
 */
export class ChartStream<Member = unknown> {
  /** Local connections subscribed to this stream, slow ones included. */
  readonly members = new Set<Member>();
  /** Members that joined before any envelope was known and wait for the bus snapshot. */
  readonly awaitingSnapshot = new Set<Member>();
  /** True while one snapshot fetch is in flight (one per stream, however many members wait). */
  fetchingSnapshot = false;
  /** The newest envelope published on the topic (or the bus snapshot sent to late joiners). */
  last: CandleEnvelope | undefined;
  /**
   * Members whose subscription carried history/since and whose seam is not settled yet: they are
   * not on the topic; each live envelope is pushed to their bridge instead (ChartHistoryBridge).
   */
  readonly bridged = new Map<Member, { push(envelope: CandleEnvelope): void; noLiveState(): void; cancel(): void }>();
  /** Members with `"flat": true`, off the topic: each live envelope goes out through their FlatFiller. */
  readonly flat = new Map<Member, FlatFiller>();
  /** Members with `"closedOnly": true`, off the topic: each live final is sent to them one by one (once per bucket). */
  readonly closedOnly = new Set<Member>();
  /** Detaches the hub listener; set once the listener is attached. */
  detach: () => void = () => undefined;
  private readonly finals: CandleEnvelope[] = [];
  /** The newest final dropped from the ring: finals after a cursor older than this may be lost. */
  private evictedThrough: StreamPosition | undefined;

  constructor(
    readonly stream: StreamId,
    readonly topic: string,
    readonly token: TokenInstrument,
    readonly timeframe: Timeframe,
    private readonly finalsKept: number,
  ) {}

  /** Remembers an envelope that has just been sent to the stream's subscribers. */
  record(envelope: CandleEnvelope): void {
    this.last = envelope;
    if (!envelope.payload.closed) return;
    this.finals.push(envelope);
    if (this.finals.length > this.finalsKept) {
      const evicted = this.finals.shift();
      if (evicted) this.evictedThrough = { epoch: evicted.epoch, seq: evicted.seq };
    }
  }

  /** Position of the newest envelope the subscribers were sent; undefined before the first. */
  position(): StreamPosition | undefined {
    return this.last === undefined ? undefined : { epoch: this.last.epoch, seq: this.last.seq };
  }

  /** Closed candles currently kept (bounded by finalsKept). */
  get keptFinals(): number {
    return this.finals.length;
  }

  /**
   * The catch-up for a client that received everything up to `cursor` (undefined: nothing yet)
   * and then nothing. `hubSince` is what the hub still holds after the cursor
   * (`hub.since(stream, cursor.epoch, cursor.seq)`), undefined when its window does not reach
   * back; then this stream's own ring of finals is used. Intermediate open candles are
   * conflated: only the newest open candle is sent, after the finals, so the client sees a
   * `seq` jump where updates were merged, never an old state after a newer one.
   */
  catchUp(cursor: StreamPosition | undefined, hubSince: readonly Envelope[] | undefined): CatchUp {
    const latest = this.last;
    if (latest === undefined || (cursor !== undefined && !isAfter(latest, cursor))) return { envelopes: [], conflated: 0 };
    const missed =
      hubSince !== undefined
        ? hubSince.filter((envelope): envelope is CandleEnvelope => isCandleUpdate(envelope.payload) && envelope.payload.closed)
        : this.finals.filter((envelope) => cursor === undefined || isAfter(envelope, cursor));
    const envelopes = missed.filter((envelope) => !isAfter(envelope, latest));
    // The newest envelope always ends the catch-up: a final is already last when it is the newest.
    const tail = envelopes.at(-1);
    if (tail === undefined || isAfter(latest, tail)) envelopes.push(latest);
    const skipped = cursor !== undefined && cursor.epoch === latest.epoch ? latest.seq - cursor.seq - envelopes.length : 0;
    return { envelopes, conflated: Math.max(0, skipped) };
  }

  /** True when the ring still holds every final after `cursor` (nothing evicted past it). */
  coversFinalsAfter(cursor: StreamPosition | undefined): boolean {
    return this.evictedThrough === undefined || (cursor !== undefined && !isAfter(this.evictedThrough, cursor));
  }
}

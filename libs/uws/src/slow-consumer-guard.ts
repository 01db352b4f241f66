import type { Hub } from '@mdg/edge';
import type { IntervalTimer } from '@mdg/feeds';
import type { Clock } from '@mdg/model';
import type { ChartLiveSender } from './chart-live-sender';
import type { ChartLiveSession } from './chart-live-session';
import type { ChartLiveDeliveryCounters } from './chart-live-stats';
import type { CandleEnvelope, ChartStream } from './chart-stream';
import { CLOSE_CODES } from '@mdg/protocol';

export interface SlowConsumerGuardOptions {
  softBackpressureBytes: number;
  hardBackpressureBytes: number;
  slowConsumerTimeoutMs: number;
  slowCheckIntervalMs: number;
  clock: Clock;
  timer: IntervalTimer;
}

export interface SlowConsumerGuardDeps {
  options: SlowConsumerGuardOptions;
  hub: Hub;
  sender: ChartLiveSender;
  counters: ChartLiveDeliveryCounters;
  /** The stream's cached encoding of an envelope. */
  encode(stream: ChartStream<ChartLiveSession>, envelope: CandleEnvelope): Buffer;
  /** Every open connection (the wide-stream check looks at all of them). */
  sessions(): Iterable<ChartLiveSession>;
}

/**
 * Slow consumers (DESIGN.md convention 4) never lose data silently. A client above
 * `softBackpressureBytes` is taken off its topics (so uWS never drops anything for it) and
 * remembers, per stream, the last envelope it was sent. Once it drains below half the soft
 * limit it gets, per stream, every closed candle it missed and then only the newest open
 * candle (conflation: the latest state wins), and goes live again; it sees a `seq` jump where
 * open-candle updates were merged. A client still slow after `slowConsumerTimeoutMs`, or above
 * `hardBackpressureBytes`, is closed with 4008 (reconnectable).
 *
 * Time is injected (clock and interval timer), so tests step the periodic check by hand.
 */
export class SlowConsumerGuard {
  private readonly slow = new Set<ChartLiveSession>();
  private cancelTimer: (() => void) | undefined;

  constructor(private readonly deps: SlowConsumerGuardDeps) {}

  /** Connections currently slow. */
  get size(): number {
    return this.slow.size;
  }

  /** Starts the periodic check: resume slow clients whose drain event we did not see, close stuck ones. */
  start(): void {
    this.cancelTimer ??= this.deps.options.timer.every(this.deps.options.slowCheckIntervalMs, () => this.check());
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /**
   * Checks the send buffers of `sessions` (a narrow stream's members, or every connection):
   * closes those over the hard limit, takes those over the soft one off their topics, and
   * returns how many are fine. Bridged members get envelopes through their bridge: skipped.
   */
  checkBuffers(sessions: Iterable<ChartLiveSession>, bridged?: Map<ChartLiveSession, unknown>): number {
    let recipients = 0;
    let overHard: ChartLiveSession[] | undefined;
    const { softBackpressureBytes, hardBackpressureBytes } = this.deps.options;
    for (const session of sessions) {
      if (session.slowSince !== undefined || session.ws === undefined || session.closed || bridged?.has(session)) continue;
      const buffered = this.deps.sender.observeBuffer(session.ws.getBufferedAmount());
      if (buffered > hardBackpressureBytes) (overHard ??= []).push(session);
      else if (buffered > softBackpressureBytes) this.markSlow(session);
      else recipients += 1;
    }
    if (overHard !== undefined) for (const session of overHard) this.deps.sender.corked(session, () => this.closeSlow(session));
    return recipients;
  }

  /** Every live connection's send buffer. */
  checkAll(): void {
    this.checkBuffers(this.deps.sessions());
  }

  /** uWS drain event: a slow client that drained enough goes live again at once. */
  onDrain(session: ChartLiveSession): void {
    const ws = session.ws;
    if (session.slowSince !== undefined && !session.closed && ws !== undefined && ws.getBufferedAmount() <= this.resumeBelowBytes()) this.resume(session);
  }

  /** A closed connection is no longer watched. */
  forget(session: ChartLiveSession): void {
    this.slow.delete(session);
  }

  closeSlow(session: ChartLiveSession): void {
    if (session.closed) return;
    this.deps.sender.close(session, CLOSE_CODES.SLOW_CONSUMER);
  }

  /** Stops live updates to a client that cannot keep up; remembers where each of its streams stood. */
  private markSlow(session: ChartLiveSession): void {
    session.slowSince = this.deps.options.clock.now();
    this.slow.add(session);
    for (const [streamId, stream] of session.subscriptions) {
      // A stream still joining its history is delivered by its bridge, never through the topic.
      if (stream.bridged.has(session)) continue;
      session.cursors.set(streamId, stream.position());
      session.ws?.unsubscribe(stream.topic);
    }
  }

  /** A drained slow client: per stream, the finals it missed and the newest candle, then live again. */
  private resume(session: ChartLiveSession): void {
    const { hub, counters, sender } = this.deps;
    for (const [streamId, stream] of session.subscriptions) {
      if (session.closed) return;
      if (stream.bridged.has(session)) continue;
      const cursor = session.cursors.get(streamId);
      const hubSince = cursor === undefined ? undefined : hub.since(streamId, cursor.epoch, cursor.seq);
      if (hubSince === undefined && !stream.coversFinalsAfter(cursor)) counters.incompleteCatchUps += 1;
      const catchUp = stream.catchUp(cursor, hubSince);
      counters.conflatedUpdates += catchUp.conflated;
      const flat = stream.flat.get(session);
      // Finals that may be lost are a hole, not a quiet market: no flat candles across it.
      if (hubSince === undefined && !stream.coversFinalsAfter(cursor)) flat?.forget();
      const closedOnly = stream.closedOnly.has(session);
      for (const envelope of catchUp.envelopes) {
        if (closedOnly && !envelope.payload.closed) continue;
        if (flat !== undefined && !flat.before(envelope.payload.candle.time)) return;
        if (!sender.send(session, this.deps.encode(stream, envelope), 'chart')) return;
        flat?.sent(envelope.payload.candle, envelope.payload.closed);
      }
      // A flat member stays off the topic: the stream delivers to it through its filler.
      if (flat === undefined && !closedOnly) session.ws?.subscribe(stream.topic);
    }
    session.cursors.clear();
    session.slowSince = undefined;
    this.slow.delete(session);
    counters.resyncs += 1;
  }

  private check(): void {
    const { clock, hardBackpressureBytes, slowConsumerTimeoutMs } = this.deps.options;
    const now = clock.now();
    for (const session of [...this.slow]) {
      const ws = session.ws;
      if (session.closed || ws === undefined || session.slowSince === undefined) {
        this.slow.delete(session);
        continue;
      }
      const buffered = this.deps.sender.observeBuffer(ws.getBufferedAmount());
      if (buffered > hardBackpressureBytes || now - session.slowSince > slowConsumerTimeoutMs) {
        this.deps.sender.corked(session, () => this.closeSlow(session));
      } else if (buffered <= this.resumeBelowBytes()) {
        this.deps.sender.corked(session, () => this.resume(session));
      }
    }
  }

  /** Hysteresis: resuming at the soft limit itself would flap between slow and live. */
  private resumeBelowBytes(): number {
    return Math.floor(this.deps.options.softBackpressureBytes / 2);
  }
}

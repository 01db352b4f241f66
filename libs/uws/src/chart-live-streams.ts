import { isAfter, monotonicOf, type Envelope, type StreamId } from '@mdg/bus';
import type { DeliveryObserver, Hub } from '@mdg/edge';
import type { Timeframe, TokenInstrument } from '@mdg/model';
import type { TemplatedApp } from 'uWebSockets.js';
import type { ChartLiveSender } from './chart-live-sender';
import type { ChartLiveSession } from './chart-live-session';
import type { ChartLiveDeliveryCounters } from './chart-live-stats';
import { chartLiveTopic } from './chart-live-topic';
import { ChartStream, type CandleEnvelope } from './chart-stream';
import { encodeChartEvent, isCandleUpdate } from '@mdg/protocol';
import type { SlowConsumerGuard } from './slow-consumer-guard';

/**
 * Send buffers are checked again once this many bytes were published on wide streams since the
 * last check (see onEnvelope): no connection's buffer can grow by more than this unseen, which
 * stays well inside the margin between the hard limit and uWS's maxBackpressure.
 */
const BACKPRESSURE_CHECK_BYTES = 32 * 1024;

/**
 * A stream is wide when more than 1/WIDE_STREAM_SHARE of all connections subscribe to it: its
 * publishes share one check of every connection per BACKPRESSURE_CHECK_BYTES; narrower streams
 * check their own members on every publish (at most a few per recipient either way).
 */
const WIDE_STREAM_SHARE = 8;

export interface ChartLiveStreamsDeps {
  app: TemplatedApp;
  hub: Hub;
  sender: ChartLiveSender;
  guard: SlowConsumerGuard;
  counters: ChartLiveDeliveryCounters;
  finalsKeptPerStream: number;
  benchStamp: boolean;
  observer: DeliveryObserver | undefined;
  /** Open connections now (a stream is wide relative to this). */
  connectionCount(): number;
  /** False once the endpoint is closing: late envelopes are ignored. */
  isLive(): boolean;
}

/**
 * The (token, timeframe) streams with local subscribers and their fan-out: one hub listener
 * per stream; each envelope is encoded once and handed to uWS with `app.publish` on the
 * stream's topic, after the send buffers were checked (for a narrow stream its own members on
 * every publish; for a wide one every connection once per BACKPRESSURE_CHECK_BYTES published,
 * which bounds what a buffer can gain unseen at a fraction of the per-recipient cost).
 */
export class ChartLiveStreams {
  private readonly streams = new Map<StreamId, ChartStream<ChartLiveSession>>();
  /** Encoded once per envelope; weak so the cache lives exactly as long as someone holds the envelope. */
  private readonly encoded = new WeakMap<Envelope, Buffer>();
  /** Bytes published on wide streams since the last check of every connection's send buffer. */
  private uncheckedBytes = 0;

  constructor(private readonly deps: ChartLiveStreamsDeps) {}

  get size(): number {
    return this.streams.size;
  }

  /** Whether `stream` is still the one registered for its id (a stream left by everyone is dropped). */
  isCurrent(stream: ChartStream<ChartLiveSession>): boolean {
    return this.streams.get(stream.stream) === stream;
  }

  /** The stream's local state, attaching the one hub listener when it is the first subscriber. */
  join(streamId: StreamId, token: TokenInstrument, timeframe: Timeframe, session: ChartLiveSession): ChartStream<ChartLiveSession> {
    let stream = this.streams.get(streamId);
    if (stream === undefined) {
      const created = new ChartStream<ChartLiveSession>(streamId, chartLiveTopic(streamId), token, timeframe, this.deps.finalsKeptPerStream);
      this.streams.set(streamId, created);
      created.detach = this.deps.hub.attach(streamId, (envelope) => this.onEnvelope(created, envelope));
      stream = created;
    }
    stream.members.add(session);
    return stream;
  }

  /** Removes a member; the last one out detaches the hub listener (and so the bus subscription). */
  leave(stream: ChartStream<ChartLiveSession>, session: ChartLiveSession): void {
    stream.bridged.get(session)?.cancel();
    stream.bridged.delete(session);
    stream.members.delete(session);
    stream.flat.delete(session);
    stream.closedOnly.delete(session);
    stream.awaitingSnapshot.delete(session);
    if (stream.members.size > 0) return;
    stream.detach();
    if (this.streams.get(stream.stream) === stream) this.streams.delete(stream.stream);
  }

  /** Detaches every hub listener (shutdown). */
  detachAll(): void {
    for (const stream of this.streams.values()) stream.detach();
    this.streams.clear();
  }

  encode(stream: ChartStream<ChartLiveSession>, envelope: CandleEnvelope): Buffer {
    let bytes = this.encoded.get(envelope);
    if (bytes === undefined) {
      // Benchmark stamps are the envelope's times on the monotonic clock (a load generator on this machine compares them).
      const stamps = this.deps.benchStamp ? { t: monotonicOf(envelope.acceptedAt), tp: monotonicOf(envelope.publishedAt) } : undefined;
      bytes = Buffer.from(encodeChartEvent(stream.token, envelope.payload, envelope, stamps));
      this.encoded.set(envelope, bytes);
    }
    return bytes;
  }

  /** The hub listener of one stream: encode once, check send buffers, publish. */
  private onEnvelope(stream: ChartStream<ChartLiveSession>, envelope: Envelope): void {
    const { app, guard, sender, counters, observer } = this.deps;
    if (!this.deps.isLive()) return;
    if (!isCandleUpdate(envelope.payload) || (stream.last !== undefined && !isAfter(envelope, stream.last))) {
      counters.droppedEnvelopes += 1;
      return;
    }
    const candle = envelope as CandleEnvelope;
    const bytes = this.encode(stream, candle);
    const bridged = stream.bridged.size > 0 ? stream.bridged : undefined;
    const wide = stream.members.size * WIDE_STREAM_SHARE > this.deps.connectionCount();
    let recipients = 0;
    if (wide) {
      // Slow clients are taken off their topics before this publish, so their cursors are the previous envelopes.
      if (this.uncheckedBytes + bytes.length > BACKPRESSURE_CHECK_BYTES) {
        this.uncheckedBytes = 0;
        guard.checkAll();
      }
      this.uncheckedBytes += bytes.length;
    } else {
      recipients = guard.checkBuffers(stream.members, bridged);
    }
    stream.record(candle);
    stream.awaitingSnapshot.clear();
    // Members joining their history get the envelope through their bridge (which corks its own sends).
    if (bridged !== undefined) for (const bridge of [...bridged.values()]) bridge.push(candle);
    if (stream.flat.size > 0) this.sendFlat(stream, candle, bytes);
    if (candle.payload.closed && stream.closedOnly.size > 0) this.sendClosedOnly(stream, bytes);
    // On the topic: exactly the live members (slow ones left it, bridged ones have not joined it yet).
    if (wide) recipients = app.numSubscribers(stream.topic);
    if (recipients === 0) return;
    app.publish(stream.topic, bytes, false);
    sender.countSent(recipients, bytes.length, 'chart');
    if (observer !== undefined) observer.onDelivered('chart-live', envelope, recipients, bytes.length);
  }

  /** `"closedOnly": true` members get each final (the shared bytes); slow ones get it with their catch-up. */
  private sendClosedOnly(stream: ChartStream<ChartLiveSession>, bytes: Buffer): void {
    const { sender } = this.deps;
    for (const session of stream.closedOnly) {
      if (session.closed || session.slowSince !== undefined) continue;
      sender.corked(session, () => sender.send(session, bytes, 'chart'));
    }
  }

  /** `"flat": true` members, one by one: the quiet buckets' flat finals first, then the envelope's shared bytes. */
  private sendFlat(stream: ChartStream<ChartLiveSession>, envelope: CandleEnvelope, bytes: Buffer): void {
    const { sender } = this.deps;
    const { candle, closed } = envelope.payload;
    for (const [session, filler] of stream.flat) {
      // Slow members get it with their catch-up, like the topic's.
      if (session.closed || session.slowSince !== undefined) continue;
      sender.corked(session, () => {
        if (filler.before(candle.time) && sender.send(session, bytes, 'chart')) filler.sent(candle, closed);
      });
    }
  }
}

import { candleStream, type Envelope } from '@mdg/bus';
import type { Hub } from '@mdg/edge';
import type { HistoryService } from '@mdg/history';
import type { Timeframe, TokenInstrument } from '@mdg/model';
import { ChartHistoryBridge } from './chart-history-bridge';
import { chartLiveErrors, encodeFlatChartEvent, historyProblem, subscriptionConfirmedMessage, unsubscribedMessage, type RequestId } from '@mdg/protocol';
import type { ChartLiveSender } from './chart-live-sender';
import type { ChartLiveSession } from './chart-live-session';
import type { ChartLiveStreams } from './chart-live-streams';
import type { CandleEnvelope, ChartStream } from './chart-stream';
import { isCandleUpdate } from '@mdg/protocol';
import { FlatFiller } from './flat-filler';

export interface ChartLiveSubscriptionsDeps {
  hub: Hub;
  streams: ChartLiveStreams;
  sender: ChartLiveSender;
  maxSubscriptions: number;
  history: HistoryService | undefined;
  reportError(error: Error): void;
}

/** What a subscription message may ask for beyond the base protocol. */
export interface SubscriptionExtras {
  history?: number;
  since?: number;
  /** Flat finals for quiet buckets (FlatFiller); the mode of the first subscription to a stream stays. */
  flat?: boolean;
  /** Only final candles, each once, in order (never the late joiner's open candle). */
  closedOnly?: boolean;
}

/**
 * The subscription side of a connection: subscribe (base, late joiner, history/since),
 * unsubscribe, and the bus snapshot for streams this node has not seen yet.
 */
export class ChartLiveSubscriptions {
  constructor(private readonly deps: ChartLiveSubscriptionsDeps) {}

  subscribe(session: ChartLiveSession, token: TokenInstrument, timeframe: Timeframe, id: RequestId | undefined, request: SubscriptionExtras = {}): void {
    const { sender, streams, history, maxSubscriptions } = this.deps;
    const streamId = candleStream(token.id, timeframe);
    const wantsHistory = request.history !== undefined || request.since !== undefined;
    if (wantsHistory && history === undefined) {
      sender.sendError(session, chartLiveErrors.historyUnavailable(), id);
      return;
    }
    // The parser allows the protocol's cap; a service configured lower has the last word.
    const historyCap = request.history === undefined || history === undefined ? undefined : historyProblem(request.history, history.maxHistory);
    if (historyCap !== undefined) {
      sender.sendError(session, chartLiveErrors.invalidHistory('history', request.history, historyCap), id);
      return;
    }
    if (session.subscriptions.has(streamId)) {
      // Idempotent: confirmed again, never doubled (the socket is on the topic once).
      sender.send(session, subscriptionConfirmedMessage(token.tokenAddress, timeframe, id));
      return;
    }
    if (session.subscriptions.size >= maxSubscriptions) {
      sender.sendError(session, chartLiveErrors.tooManySubscriptions(maxSubscriptions), id);
      return;
    }
    const stream = streams.join(streamId, token, timeframe, session);
    session.subscriptions.set(streamId, stream);
    if (!sender.send(session, subscriptionConfirmedMessage(token.tokenAddress, timeframe, id))) return;
    const flat =
      request.flat === true ? new FlatFiller(timeframe, (candle) => sender.send(session, encodeFlatChartEvent(token, timeframe, candle), 'chart')) : undefined;
    if (wantsHistory && history !== undefined) {
      this.openHistory(history, session, stream, request, id, flat);
      return;
    }
    if (request.closedOnly === true) {
      // Off the topic: the stream sends it each final (ChartLiveStreams); nothing until the next one.
      stream.closedOnly.add(session);
      if (session.slowSince !== undefined) session.cursors.set(streamId, stream.position());
      return;
    }
    // A flat member is served through its filler instead of the topic (see ChartLiveStreams).
    if (flat !== undefined) stream.flat.set(session, flat);
    else if (session.slowSince === undefined) session.ws?.subscribe(stream.topic);
    // Late joiner: the current candle at once, then live updates.
    if (stream.last !== undefined) {
      if (session.slowSince !== undefined) session.cursors.set(streamId, stream.position());
      sender.send(session, streams.encode(stream, stream.last), 'chart');
      flat?.sent(stream.last.payload.candle, stream.last.payload.closed);
    } else {
      if (session.slowSince !== undefined) session.cursors.set(streamId, undefined);
      this.fetchSnapshot(stream, session);
    }
  }

  unsubscribe(session: ChartLiveSession, token: TokenInstrument, timeframe: Timeframe, id: RequestId | undefined): void {
    const streamId = candleStream(token.id, timeframe);
    const stream = session.subscriptions.get(streamId);
    if (stream !== undefined) {
      if (session.slowSince === undefined) session.ws?.unsubscribe(stream.topic);
      session.subscriptions.delete(streamId);
      session.cursors.delete(streamId);
      this.deps.streams.leave(stream, session);
    }
    this.deps.sender.send(session, unsubscribedMessage(token.tokenAddress, timeframe, id));
  }

  /** Leaves every stream of a closed session (detaching idle streams). */
  dropAll(session: ChartLiveSession): void {
    for (const stream of session.subscriptions.values()) this.deps.streams.leave(stream, session);
    session.subscriptions.clear();
    session.cursors.clear();
  }

  /**
   * A subscription with `"history"` / `"since"`: instead of the topic, a bridge receives the
   * stream's envelopes (the current one first) until its seam settles, then puts the session on
   * the topic. See ChartHistoryBridge and HistorySeam.
   */
  private openHistory(
    history: HistoryService,
    session: ChartLiveSession,
    stream: ChartStream<ChartLiveSession>,
    request: SubscriptionExtras,
    id: RequestId | undefined,
    flat: FlatFiller | undefined,
  ): void {
    const { sender, streams } = this.deps;
    const bridge = new ChartHistoryBridge(history, stream.token, stream.timeframe, request, id, {
      flat,
      closedOnly: request.closedOnly,
      sendChart: (data) => sender.send(session, data, 'chart'),
      sendError: (error, requestId) => sender.sendError(session, error, requestId),
      encode: (envelope) => streams.encode(stream, envelope),
      corked: (work) => sender.corked(session, work),
      goLive: (settled) => {
        if (stream.bridged.get(session) !== settled) return;
        stream.bridged.delete(session);
        if (session.closed || session.subscriptions.get(stream.stream) !== stream) return;
        // A slow session joins with the others when it drains; its catch-up starts from here.
        if (request.closedOnly === true) stream.closedOnly.add(session);
        else if (flat !== undefined) stream.flat.set(session, flat);
        else if (session.slowSince === undefined) session.ws?.subscribe(stream.topic);
        if (session.slowSince !== undefined) session.cursors.set(stream.stream, stream.position());
      },
    });
    stream.bridged.set(session, bridge);
    if (stream.last !== undefined) bridge.push(stream.last);
    else this.fetchSnapshot(stream, session);
  }

  /** Nothing published here yet: ask the hub (its recent envelopes, else the bus snapshot), once per stream. */
  private fetchSnapshot(stream: ChartStream<ChartLiveSession>, session: ChartLiveSession): void {
    stream.awaitingSnapshot.add(session);
    if (stream.fetchingSnapshot) return;
    stream.fetchingSnapshot = true;
    this.deps.hub
      .latest([stream.stream])
      .then(([envelope]) => this.deliverSnapshot(stream, envelope))
      .catch((error: unknown) =>
        this.deps.reportError(
          new Error(`latest state of ${stream.stream} unavailable: ${error instanceof Error ? error.message : String(error)}`, { cause: error }),
        ),
      )
      .finally(() => {
        stream.fetchingSnapshot = false;
        // No state at all (nothing ever published, or unreadable): history answers need not wait for one.
        if (stream.last === undefined) for (const waiting of stream.awaitingSnapshot) stream.bridged.get(waiting)?.noLiveState();
        stream.awaitingSnapshot.clear();
      });
  }

  private deliverSnapshot(stream: ChartStream<ChartLiveSession>, envelope: Envelope | undefined): void {
    const { sender, streams } = this.deps;
    const waiting = [...stream.awaitingSnapshot];
    // A live envelope got there first: every waiting member already has something newer.
    if (envelope === undefined || !isCandleUpdate(envelope.payload) || stream.last !== undefined) return;
    if (!streams.isCurrent(stream)) return;
    const candle = envelope as CandleEnvelope;
    stream.record(candle);
    const bytes = streams.encode(stream, candle);
    for (const session of waiting) {
      const bridge = stream.bridged.get(session);
      if (bridge !== undefined) {
        if (!session.closed) bridge.push(candle);
        continue;
      }
      // Slow members get it with their catch-up (their cursor for this stream is "nothing yet").
      if (session.closed || session.slowSince !== undefined || session.subscriptions.get(stream.stream) !== stream) continue;
      sender.corked(session, () => sender.send(session, bytes, 'chart'));
      stream.flat.get(session)?.sent(candle.payload.candle, candle.payload.closed);
    }
  }
}

import { authenticateApiKey, type AuthAttemptLimiter, type ConnectionLease, type ConnectionRegistry, type KeyStore } from '@mdg/auth';
import { candleStream, isAfter, type Envelope, type StreamId } from '@mdg/bus';
import { InboundRateLimiter, type DeliveryObserver, type Hub } from '@mdg/edge';
import { historyProblem, type HistoryService } from '@mdg/history';
import type { InstrumentRegistry, Timeframe, TokenInstrument } from '@mdg/model';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket } from 'uWebSockets.js';
import {
  chartLiveErrors,
  connectedMessage,
  errorMessage,
  pongMessage,
  subscriptionConfirmedMessage,
  unsubscribedMessage,
  type ChartLiveError,
  type ChartLiveErrorCode,
  type RequestId,
} from './chart-live-messages';
import { resolveChartLiveOptions, type ChartLiveOptions, type ResolvedChartLiveOptions } from './chart-live-options';
import { ChartLiveSession, type Admission, type ChartLiveRefusalReason, type ChartLiveUserData } from './chart-live-session';
import { CHART_LIVE_ANCHOR_TOPIC, chartLiveTopic } from './chart-live-topic';
import { ChartHistoryBridge } from './chart-history-bridge';
import { ChartStream, type CandleEnvelope } from './chart-stream';
import { CLOSE_CODES, CLOSE_REASONS, type CloseCode } from './close-codes';
import { encodeChartEvent, isCandleUpdate } from './encode-chart-event';
import { parseClientMessage, type ClientMessage } from './parse-client-message';

export interface ChartLiveEndpointDeps {
  /** The shared uWS app (Socket.IO may be attached to it too); the endpoint never closes it. */
  app: TemplatedApp;
  hub: Hub;
  registry: InstrumentRegistry;
  keyStore: KeyStore;
  connections: ConnectionRegistry;
  authLimiter: AuthAttemptLimiter;
  options?: ChartLiveOptions;
  /** Background failures (key store or registry errors, failed lease releases). Default: a process warning. */
  onError?: (error: Error) => void;
  /** Told about every live candle published to sockets (metrics: tick-to-wire latency). Default: none, at no cost. */
  observer?: DeliveryObserver;
  /**
   * Serves the `"history"` / `"since"` subscription extension (a `history` event, then live
   * candles with no final missing or repeated at the seam; see ChartHistoryBridge). Without it
   * such subscriptions are refused with INVALID_HISTORY ("History not available"), never
   * silently served without history: a bot resuming with `since` must not think it missed nothing.
   */
  history?: HistoryService;
}

/**
 * What a message sent on `/ws/chart-live` carries (a fixed set: metrics use it as a label):
 * `chart` = candle events (live, late-joiner current candle, slow-client catch-up, history);
 * `control` = everything else (connected, confirmations, errors, pongs).
 */
export type ChartLiveEvent = 'chart' | 'control';

export interface ChartLiveStats {
  /** Open, authenticated connections. */
  connections: number;
  /** Connections admitted and opened (refused upgrades excluded). */
  accepted: number;
  /** Upgrades waiting for authentication or a connection slot. */
  pendingUpgrades: number;
  /** (connection, stream) pairs. */
  subscriptions: number;
  /** Streams with at least one local subscriber (= hub listeners held). */
  streams: number;
  /** Connections currently slow: live updates stopped, waiting to drain. */
  slowClients: number;
  /** Upgrades refused (error then close on open), by reason. */
  refusals: Record<ChartLiveRefusalReason, number>;
  /** Error messages sent, by code. */
  errors: Partial<Record<ChartLiveErrorCode, number>>;
  /** Connections the server closed, by close code. */
  serverCloses: Partial<Record<CloseCode, number>>;
  /** Messages and bytes handed to sockets (a publish counts once per live recipient). */
  messagesSent: number;
  bytesSent: number;
  /** The same, by what the message carries. */
  sent: Record<ChartLiveEvent, { messages: number; bytes: number }>;
  /** Stream updates a slow client never saw individually (merged into a newer candle). */
  conflatedUpdates: number;
  /** Slow clients brought current again (catch-up sent, live updates resumed). */
  resyncs: number;
  /** Catch-ups where neither the hub nor the finals ring reached back to the client's position. */
  incompleteCatchUps: number;
  /** Slow clients closed with 4008. */
  slowCloses: number;
  /** Largest send buffer seen on any connection, in bytes (stays near softBackpressureBytes). */
  peakBufferedBytes: number;
  /** Bus envelopes that were not candle updates, or older than what was already sent. */
  droppedEnvelopes: number;
}

type Counters = Omit<ChartLiveStats, 'connections' | 'pendingUpgrades' | 'subscriptions' | 'streams' | 'slowClients' | 'sent'>;

/**
 * Margin between our hard limit and uWS's `maxBackpressure`. uWS drops (silently) any send
 * made while the buffer is over maxBackpressure, the close frame included; we close at the
 * hard limit, checked after every send, so the margin only has to hold one message and the
 * close frame.
 */
const UWS_BACKPRESSURE_MARGIN = 64 * 1024;

/**
 * Send buffers are checked again once this many bytes were published on wide streams since the
 * last check (see onEnvelope): no connection's buffer can grow by more than this unseen, which
 * stays well inside UWS_BACKPRESSURE_MARGIN.
 */
const BACKPRESSURE_CHECK_BYTES = 32 * 1024;

/**
 * A stream is wide when more than 1/WIDE_STREAM_SHARE of all connections subscribe to it: its
 * publishes share one check of every connection per BACKPRESSURE_CHECK_BYTES; narrower streams
 * check their own members on every publish (at most a few per recipient either way).
 */
const WIDE_STREAM_SHARE = 8;

/** The `connected` text, encoded once. */
const CONNECTED = Buffer.from(connectedMessage());

/** Revoked key hashes remembered for admissions still in flight when the revocation came. */
const RECENT_REVOCATIONS = 1024;

/**
 * The raw WebSocket endpoint `/ws/chart-live` (PROTOCOL.md section B) on a uWS app.
 *
 * Fan-out: one hub listener per (token, timeframe) stream with local subscribers; each
 * envelope is encoded once and handed to uWS with `app.publish` on the stream's topic.
 *
 * Slow consumers (DESIGN.md convention 4) never lose data silently. Send buffers are checked
 * before publishing: for a narrow stream its own subscribers on every publish; for a wide one
 * (most connections subscribe) every connection once per BACKPRESSURE_CHECK_BYTES published,
 * which bounds what a buffer can gain unseen at a fraction of the per-recipient cost. A client above `softBackpressureBytes` is
 * taken off its topics (so uWS never drops anything for it) and remembers, per stream, the
 * last envelope it was sent. Once it drains below half the soft limit it gets, per stream,
 * every closed candle it missed and then only the newest open candle (conflation: the
 * latest state wins), and goes live again; it sees a `seq` jump where open-candle updates
 * were merged. A client still slow after `slowConsumerTimeoutMs`, or above
 * `hardBackpressureBytes`, is closed with 4008 (reconnectable).
 */
export class ChartLiveEndpoint {
  readonly options: ResolvedChartLiveOptions;
  private readonly app: TemplatedApp;
  private readonly hub: Hub;
  private readonly registry: InstrumentRegistry;
  private readonly keyStore: KeyStore;
  private readonly connections: ConnectionRegistry;
  private readonly authLimiter: AuthAttemptLimiter;
  private readonly reportError: (error: Error) => void;
  private readonly observer: DeliveryObserver | undefined;
  private readonly history: HistoryService | undefined;

  private state: 'new' | 'started' | 'closed' = 'new';
  private closing: Promise<void> | undefined;
  private readonly sessions = new Set<ChartLiveSession>();
  private readonly byLease = new Map<string, ChartLiveSession>();
  private readonly slowSessions = new Set<ChartLiveSession>();
  private readonly streams = new Map<StreamId, ChartStream<ChartLiveSession>>();
  private readonly pendingUpgrades = new Set<Promise<void>>();
  private readonly pendingReleases = new Set<Promise<void>>();
  /** Keys revoked lately: an admission that verified the key just before its revocation must not open. */
  private readonly recentlyRevoked = new Set<string>();
  /** Encoded once per envelope; weak so the cache lives exactly as long as someone holds the envelope. */
  private readonly encoded = new WeakMap<Envelope, Buffer>();
  /** Bytes published on wide streams since the last check of every connection's send buffer. */
  private uncheckedBytes = 0;
  private readonly unsubscribers: (() => void)[] = [];
  private slowTimer: NodeJS.Timeout | undefined;
  /** Candle events sent; control messages are the rest of counters.messagesSent/bytesSent. */
  private readonly chartSent = { messages: 0, bytes: 0 };
  private readonly counters: Counters = {
    accepted: 0,
    refusals: { AUTH_FAILED: 0, AUTH_RATE_LIMITED: 0, CONNECTION_LIMIT: 0, SERVICE_UNAVAILABLE: 0 },
    errors: {},
    serverCloses: {},
    messagesSent: 0,
    bytesSent: 0,
    conflatedUpdates: 0,
    resyncs: 0,
    incompleteCatchUps: 0,
    slowCloses: 0,
    peakBufferedBytes: 0,
    droppedEnvelopes: 0,
  };

  constructor(deps: ChartLiveEndpointDeps) {
    this.options = resolveChartLiveOptions(deps.options);
    this.app = deps.app;
    this.hub = deps.hub;
    this.registry = deps.registry;
    this.keyStore = deps.keyStore;
    this.connections = deps.connections;
    this.authLimiter = deps.authLimiter;
    this.reportError = deps.onError ?? ((error) => process.emitWarning(error));
    this.observer = deps.observer;
    this.history = deps.history;
  }

  /** Registers the route on the app and starts watching revocations and lost slots. Once only. */
  start(): void {
    if (this.state !== 'new') throw new Error(`ChartLiveEndpoint.start() called when ${this.state}; it may be called once`);
    this.state = 'started';
    const options = this.options;
    this.app.ws<ChartLiveUserData>(options.path, {
      // Candles are small and go to many clients: per-recipient deflate would cost more than it saves.
      compression: 0,
      maxPayloadLength: options.maxPayloadLength,
      maxBackpressure: options.hardBackpressureBytes + UWS_BACKPRESSURE_MARGIN,
      idleTimeout: options.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.onUpgrade(res, req, context),
      open: (ws) => this.onOpen(ws),
      message: (ws, data) => this.onMessage(ws, data),
      drain: (ws) => this.onDrain(ws),
      close: (ws) => this.onClose(ws),
    });
    this.unsubscribers.push(this.keyStore.onRevoked((record) => this.disconnectKey(record.keyHash)));
    this.unsubscribers.push(this.connections.onLeaseLost((lease) => this.onLeaseLost(lease)));
    this.slowTimer = setInterval(() => this.checkSlowClients(), options.slowCheckIntervalMs);
    this.slowTimer.unref();
  }

  /**
   * Closes every connection (1001), waits for upgrades in flight and for slot releases, and
   * detaches from the hub. The app stays up (other endpoints share it); later upgrades to
   * this path get HTTP 503.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Closes every connection of a revoked key with `Authentication failure: API key revoked` and 4401. Returns how many. */
  disconnectKey(keyHash: string): number {
    this.recentlyRevoked.delete(keyHash);
    this.recentlyRevoked.add(keyHash);
    if (this.recentlyRevoked.size > RECENT_REVOCATIONS) {
      const oldest = this.recentlyRevoked.values().next();
      if (!oldest.done) this.recentlyRevoked.delete(oldest.value);
    }
    let count = 0;
    for (const session of [...this.sessions]) {
      if (session.keyHash !== keyHash) continue;
      count += 1;
      this.corked(session, () => this.refuse(session, chartLiveErrors.apiKeyRevoked(), CLOSE_CODES.AUTH_FAILED));
    }
    return count;
  }

  stats(): ChartLiveStats {
    let subscriptions = 0;
    for (const session of this.sessions) subscriptions += session.subscriptions.size;
    const { refusals, errors, serverCloses, ...rest } = this.counters;
    return {
      connections: this.sessions.size,
      pendingUpgrades: this.pendingUpgrades.size,
      subscriptions,
      streams: this.streams.size,
      slowClients: this.slowSessions.size,
      refusals: { ...refusals },
      errors: { ...errors },
      serverCloses: { ...serverCloses },
      ...rest,
      sent: {
        chart: { ...this.chartSent },
        control: { messages: rest.messagesSent - this.chartSent.messages, bytes: rest.bytesSent - this.chartSent.bytes },
      },
    };
  }

  // ---------------------------------------------------------------- upgrade and admission

  private onUpgrade(res: HttpResponse, req: HttpRequest, context: us_socket_context_t): void {
    // req lives only during this call: copy everything out before the first await.
    const secKey = req.getHeader('sec-websocket-key');
    const secProtocol = req.getHeader('sec-websocket-protocol');
    const secExtensions = req.getHeader('sec-websocket-extensions');
    const headerKey = req.getHeader('x-api-key');
    // Browsers cannot set headers, hence the query fallback. The key is never logged or echoed.
    const apiKey = headerKey !== '' ? headerKey : ((req.getQuery('apiKey') as string | undefined) ?? '');
    const address = Buffer.from(res.getRemoteAddressAsText()).toString();
    if (this.state !== 'started') {
      res.writeStatus('503 Service Unavailable').end(CLOSE_REASONS[CLOSE_CODES.SERVER_SHUTDOWN]);
      return;
    }
    // Mandatory before any await: uWS aborts the process if an aborted response is used.
    const request = { aborted: false };
    res.onAborted(() => {
      request.aborted = true;
    });
    const task: Promise<void> = this.admit(apiKey, address)
      .then((admission) => this.completeUpgrade(res, request, admission, secKey, secProtocol, secExtensions, context))
      .catch((error: unknown) => this.reportError(asError(error, 'chart-live: upgrade failed')))
      .finally(() => this.pendingUpgrades.delete(task));
    this.pendingUpgrades.add(task);
  }

  /** Never rejects: every failure becomes a refusal the client is told about on open. */
  private async admit(apiKey: string, address: string): Promise<Admission> {
    if (apiKey === '') return this.refusal('AUTH_FAILED', chartLiveErrors.missingApiKey(), CLOSE_CODES.AUTH_FAILED);
    // Blocked addresses are refused before any lookup: guessing must not cost us store reads.
    const retryAfterMs = this.authLimiter.retryAfterMs(address);
    if (retryAfterMs > 0) return this.refusal('AUTH_RATE_LIMITED', chartLiveErrors.authRateLimited(retryAfterMs), CLOSE_CODES.AUTH_FAILED);
    let verdict;
    try {
      verdict = await authenticateApiKey(this.keyStore, apiKey, { requirePro: false });
    } catch (error) {
      this.reportError(asError(error, 'chart-live: key store lookup failed'));
      return this.refusal('SERVICE_UNAVAILABLE', chartLiveErrors.serviceUnavailable('the API key could not be checked'), CLOSE_CODES.TRY_AGAIN_LATER);
    }
    if (!verdict.ok) {
      this.authLimiter.recordFailure(address);
      return this.refusal('AUTH_FAILED', chartLiveErrors.invalidApiKey(), CLOSE_CODES.AUTH_FAILED);
    }
    const { record } = verdict;
    const limit = this.options.maxConnectionsPerPlan[record.plan];
    let lease: ConnectionLease | undefined;
    try {
      lease = await this.connections.acquire(record.userId, this.options.connectionPool, limit);
    } catch (error) {
      this.reportError(asError(error, 'chart-live: connection registry unavailable'));
      return this.refusal('SERVICE_UNAVAILABLE', chartLiveErrors.serviceUnavailable('the connection could not be registered'), CLOSE_CODES.TRY_AGAIN_LATER);
    }
    if (lease === undefined) return this.refusal('CONNECTION_LIMIT', chartLiveErrors.connectionLimit(limit), CLOSE_CODES.LIMIT_EXCEEDED);
    return { ok: true, record, lease };
  }

  private refusal(reason: ChartLiveRefusalReason, error: ChartLiveError, closeCode: CloseCode): Admission {
    this.counters.refusals[reason] += 1;
    return { ok: false, reason, error, closeCode };
  }

  private completeUpgrade(
    res: HttpResponse,
    request: { aborted: boolean },
    admission: Admission,
    secKey: string,
    secProtocol: string,
    secExtensions: string,
    context: us_socket_context_t,
  ): void {
    if (request.aborted) {
      if (admission.ok) this.releaseLease(admission.lease);
      return;
    }
    if (this.state !== 'started') {
      if (admission.ok) this.releaseLease(admission.lease);
      res.cork(() => res.writeStatus('503 Service Unavailable').end(CLOSE_REASONS[CLOSE_CODES.SERVER_SHUTDOWN]));
      return;
    }
    const session = new ChartLiveSession(admission, new InboundRateLimiter(this.options.maxInboundPerSecond, this.options.rateLimitStrikesToClose));
    if (admission.ok && this.recentlyRevoked.has(admission.record.keyHash)) {
      session.pendingClose = { code: CLOSE_CODES.AUTH_FAILED, error: chartLiveErrors.apiKeyRevoked() };
    }
    const userData: ChartLiveUserData = { session };
    try {
      // uWS runs `open` synchronously inside upgrade(); no open means the socket died meanwhile.
      res.cork(() => res.upgrade(userData, secKey, secProtocol, secExtensions, context));
    } finally {
      if (session.ws === undefined) this.forget(session);
    }
  }

  // ---------------------------------------------------------------- socket events

  private onOpen(ws: WebSocket<ChartLiveUserData>): void {
    const session = ws.getUserData().session;
    session.ws = ws;
    const admission = session.admission;
    if (!admission.ok) {
      this.refuse(session, admission.error, admission.closeCode);
      return;
    }
    this.sessions.add(session);
    this.byLease.set(admission.lease.leaseId, session);
    if (session.pendingClose !== undefined) {
      this.refuse(session, session.pendingClose.error, session.pendingClose.code);
      return;
    }
    this.counters.accepted += 1;
    ws.subscribe(CHART_LIVE_ANCHOR_TOPIC);
    this.send(session, CONNECTED);
  }

  private onMessage(ws: WebSocket<ChartLiveUserData>, data: ArrayBuffer): void {
    const session = ws.getUserData().session;
    if (session.closed || !session.admission.ok) return;
    const verdict = session.limiter.take(this.options.clock.now());
    if (verdict !== 'ok') {
      this.sendError(session, chartLiveErrors.rateLimited(this.options.maxInboundPerSecond));
      if (verdict === 'close') this.closeSession(session, CLOSE_CODES.LIMIT_EXCEEDED);
      return;
    }
    if (data.byteLength > this.options.maxMessageBytes) {
      this.sendError(session, chartLiveErrors.messageTooLarge(this.options.maxMessageBytes));
      return;
    }
    // toString copies: uWS neuters `data` when this callback returns.
    const message = parseClientMessage(Buffer.from(data).toString('utf8'), this.registry);
    this.handle(session, message);
  }

  private handle(session: ChartLiveSession, message: ClientMessage): void {
    switch (message.kind) {
      case 'subscribe':
        this.subscribe(session, message.token, message.timeframe, message.id, message);
        return;
      case 'unsubscribe':
        this.unsubscribe(session, message.token, message.timeframe, message.id);
        return;
      case 'ping':
        this.send(session, pongMessage(this.options.clock.now(), message.id));
        return;
      case 'invalid':
        this.sendError(session, message.error, message.id);
        return;
    }
  }

  private onDrain(ws: WebSocket<ChartLiveUserData>): void {
    const session = ws.getUserData().session;
    if (session.slowSince !== undefined && !session.closed && ws.getBufferedAmount() <= this.resumeBelowBytes()) this.resume(session);
  }

  private onClose(ws: WebSocket<ChartLiveUserData>): void {
    this.forget(ws.getUserData().session);
  }

  /** Drops every trace of a session: subscriptions (detaching idle streams), slot lease, indexes. Idempotent. */
  private forget(session: ChartLiveSession): void {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session);
    this.slowSessions.delete(session);
    for (const stream of session.subscriptions.values()) this.leave(stream, session);
    session.subscriptions.clear();
    session.cursors.clear();
    if (session.admission.ok) {
      this.byLease.delete(session.admission.lease.leaseId);
      this.releaseLease(session.admission.lease);
    }
  }

  private onLeaseLost(lease: ConnectionLease): void {
    const session = this.byLease.get(lease.leaseId);
    // The slot may already be someone else's: this connection must go, and may come back.
    if (session !== undefined) this.corked(session, () => this.closeSession(session, CLOSE_CODES.TRY_AGAIN_LATER));
  }

  // ---------------------------------------------------------------- subscriptions

  private subscribe(session: ChartLiveSession, token: TokenInstrument, timeframe: Timeframe, id: RequestId | undefined, request: { history?: number; since?: number } = {}): void {
    const streamId = candleStream(token.id, timeframe);
    const wantsHistory = request.history !== undefined || request.since !== undefined;
    if (wantsHistory && this.history === undefined) {
      this.sendError(session, chartLiveErrors.historyUnavailable(), id);
      return;
    }
    // The parser allows the protocol's cap; a service configured lower has the last word.
    const historyCap = request.history === undefined || this.history === undefined ? undefined : historyProblem(request.history, this.history.maxHistory);
    if (historyCap !== undefined) {
      this.sendError(session, chartLiveErrors.invalidHistory('history', request.history, historyCap), id);
      return;
    }
    if (session.subscriptions.has(streamId)) {
      // Idempotent: confirmed again, never doubled (the socket is on the topic once).
      this.send(session, subscriptionConfirmedMessage(token.tokenAddress, timeframe, id));
      return;
    }
    if (session.subscriptions.size >= this.options.maxSubscriptions) {
      this.sendError(session, chartLiveErrors.tooManySubscriptions(this.options.maxSubscriptions), id);
      return;
    }
    const stream = this.join(streamId, token, timeframe, session);
    session.subscriptions.set(streamId, stream);
    if (!this.send(session, subscriptionConfirmedMessage(token.tokenAddress, timeframe, id))) return;
    if (wantsHistory && this.history !== undefined) {
      this.openHistory(this.history, session, stream, request, id);
      return;
    }
    if (session.slowSince === undefined) session.ws?.subscribe(stream.topic);
    // Late joiner: the current candle at once, then live updates.
    if (stream.last !== undefined) {
      if (session.slowSince !== undefined) session.cursors.set(streamId, stream.position());
      this.send(session, this.encode(stream, stream.last), 'chart');
    } else {
      if (session.slowSince !== undefined) session.cursors.set(streamId, undefined);
      this.fetchSnapshot(stream, session);
    }
  }

  /**
   * A subscription with `"history"` / `"since"`: instead of the topic, a bridge receives the
   * stream's envelopes (the current one first) until its seam settles, then puts the session on
   * the topic. See ChartHistoryBridge and HistorySeam.
   */
  private openHistory(history: HistoryService, session: ChartLiveSession, stream: ChartStream<ChartLiveSession>, request: { history?: number; since?: number }, id: RequestId | undefined): void {
    const bridge = new ChartHistoryBridge(history, stream.token, stream.timeframe, request, id, {
      sendChart: (data) => this.send(session, data, 'chart'),
      sendError: (error, requestId) => this.sendError(session, error, requestId),
      encode: (envelope) => this.encode(stream, envelope),
      corked: (work) => this.corked(session, work),
      goLive: (settled) => {
        if (stream.bridged.get(session) !== settled) return;
        stream.bridged.delete(session);
        if (session.closed || session.subscriptions.get(stream.stream) !== stream) return;
        // A slow session joins with the others when it drains; its catch-up starts from here.
        if (session.slowSince === undefined) session.ws?.subscribe(stream.topic);
        else session.cursors.set(stream.stream, stream.position());
      },
    });
    stream.bridged.set(session, bridge);
    if (stream.last !== undefined) bridge.push(stream.last);
    else this.fetchSnapshot(stream, session);
  }

  private unsubscribe(session: ChartLiveSession, token: TokenInstrument, timeframe: Timeframe, id: RequestId | undefined): void {
    const streamId = candleStream(token.id, timeframe);
    const stream = session.subscriptions.get(streamId);
    if (stream !== undefined) {
      if (session.slowSince === undefined) session.ws?.unsubscribe(stream.topic);
      session.subscriptions.delete(streamId);
      session.cursors.delete(streamId);
      this.leave(stream, session);
    }
    this.send(session, unsubscribedMessage(token.tokenAddress, timeframe, id));
  }

  /** The stream's local state, attaching the one hub listener when it is the first subscriber. */
  private join(streamId: StreamId, token: TokenInstrument, timeframe: Timeframe, session: ChartLiveSession): ChartStream<ChartLiveSession> {
    let stream = this.streams.get(streamId);
    if (stream === undefined) {
      const created = new ChartStream<ChartLiveSession>(streamId, chartLiveTopic(streamId), token, timeframe, this.options.finalsKeptPerStream);
      this.streams.set(streamId, created);
      created.detach = this.hub.attach(streamId, (envelope) => this.onEnvelope(created, envelope));
      stream = created;
    }
    stream.members.add(session);
    return stream;
  }

  /** Removes a member; the last one out detaches the hub listener (and so the bus subscription). */
  private leave(stream: ChartStream<ChartLiveSession>, session: ChartLiveSession): void {
    stream.bridged.get(session)?.cancel();
    stream.bridged.delete(session);
    stream.members.delete(session);
    stream.awaitingSnapshot.delete(session);
    if (stream.members.size > 0) return;
    stream.detach();
    if (this.streams.get(stream.stream) === stream) this.streams.delete(stream.stream);
  }

  /** Nothing published here yet: ask the hub (its recent envelopes, else the bus snapshot), once per stream. */
  private fetchSnapshot(stream: ChartStream<ChartLiveSession>, session: ChartLiveSession): void {
    stream.awaitingSnapshot.add(session);
    if (stream.fetchingSnapshot) return;
    stream.fetchingSnapshot = true;
    this.hub
      .latest([stream.stream])
      .then(([envelope]) => this.deliverSnapshot(stream, envelope))
      .catch((error: unknown) => this.reportError(asError(error, `chart-live: latest state of ${stream.stream} unavailable`)))
      .finally(() => {
        stream.fetchingSnapshot = false;
        stream.awaitingSnapshot.clear();
      });
  }

  private deliverSnapshot(stream: ChartStream<ChartLiveSession>, envelope: Envelope | undefined): void {
    const waiting = [...stream.awaitingSnapshot];
    // A live envelope got there first: every waiting member already has something newer.
    if (envelope === undefined || !isCandleUpdate(envelope.payload) || stream.last !== undefined) return;
    if (this.streams.get(stream.stream) !== stream) return;
    const candle = envelope as CandleEnvelope;
    stream.record(candle);
    const bytes = this.encode(stream, candle);
    for (const session of waiting) {
      const bridge = stream.bridged.get(session);
      if (bridge !== undefined) {
        if (!session.closed) bridge.push(candle);
        continue;
      }
      // Slow members get it with their catch-up (their cursor for this stream is "nothing yet").
      if (session.closed || session.slowSince !== undefined || session.subscriptions.get(stream.stream) !== stream) continue;
      this.corked(session, () => this.send(session, bytes, 'chart'));
    }
  }

  // ---------------------------------------------------------------- fan-out and slow consumers

  /** The hub listener of one stream: encode once, check send buffers, publish. */
  private onEnvelope(stream: ChartStream<ChartLiveSession>, envelope: Envelope): void {
    if (this.state !== 'started') return;
    if (!isCandleUpdate(envelope.payload) || (stream.last !== undefined && !isAfter(envelope, stream.last))) {
      this.counters.droppedEnvelopes += 1;
      return;
    }
    const candle = envelope as CandleEnvelope;
    const bytes = this.encode(stream, candle);
    const bridged = stream.bridged.size > 0 ? stream.bridged : undefined;
    const wide = stream.members.size * WIDE_STREAM_SHARE > this.sessions.size;
    let recipients = 0;
    if (wide) {
      // Slow clients are taken off their topics before this publish, so their cursors are the previous envelopes.
      if (this.uncheckedBytes + bytes.length > BACKPRESSURE_CHECK_BYTES) this.checkAllBuffers();
      this.uncheckedBytes += bytes.length;
    } else {
      recipients = this.checkBuffers(stream.members, bridged);
    }
    stream.record(candle);
    stream.awaitingSnapshot.clear();
    // Members joining their history get the envelope through their bridge (which corks its own sends).
    if (bridged !== undefined) for (const bridge of [...bridged.values()]) bridge.push(candle);
    // On the topic: exactly the live members (slow ones left it, bridged ones have not joined it yet).
    if (wide) recipients = this.app.numSubscribers(stream.topic);
    if (recipients === 0) return;
    this.app.publish(stream.topic, bytes, false);
    this.counters.messagesSent += recipients;
    this.counters.bytesSent += recipients * bytes.length;
    this.chartSent.messages += recipients;
    this.chartSent.bytes += recipients * bytes.length;
    if (this.observer !== undefined) this.observer.onDelivered('chart-live', envelope, recipients, bytes.length);
  }

  /**
   * Checks the send buffers of `sessions` (a narrow stream's members, or every connection):
   * closes those over the hard limit, takes those over the soft one off their topics, and
   * returns how many are fine. Bridged members get envelopes through their bridge: skipped.
   */
  private checkBuffers(sessions: Iterable<ChartLiveSession>, bridged?: Map<ChartLiveSession, unknown>): number {
    let recipients = 0;
    let overHard: ChartLiveSession[] | undefined;
    for (const session of sessions) {
      if (session.slowSince !== undefined || session.ws === undefined || session.closed || bridged?.has(session)) continue;
      const verdict = this.classify(session.ws);
      if (verdict === 'hard') (overHard ??= []).push(session);
      else if (verdict === 'soft') this.markSlow(session);
      else recipients += 1;
    }
    if (overHard !== undefined) for (const session of overHard) this.corked(session, () => this.closeSlow(session));
    return recipients;
  }

  /** Every live connection's send buffer, at most once per BACKPRESSURE_CHECK_BYTES published on wide streams. */
  private checkAllBuffers(): void {
    this.uncheckedBytes = 0;
    this.checkBuffers(this.sessions);
  }

  private classify(ws: WebSocket<ChartLiveUserData>): 'ok' | 'soft' | 'hard' {
    const buffered = ws.getBufferedAmount();
    if (buffered > this.counters.peakBufferedBytes) this.counters.peakBufferedBytes = buffered;
    if (buffered > this.options.hardBackpressureBytes) return 'hard';
    return buffered > this.options.softBackpressureBytes ? 'soft' : 'ok';
  }

  /** Stops live updates to a client that cannot keep up; remembers where each of its streams stood. */
  private markSlow(session: ChartLiveSession): void {
    session.slowSince = this.options.clock.now();
    this.slowSessions.add(session);
    for (const [streamId, stream] of session.subscriptions) {
      // A stream still joining its history is delivered by its bridge, never through the topic.
      if (stream.bridged.has(session)) continue;
      session.cursors.set(streamId, stream.position());
      session.ws?.unsubscribe(stream.topic);
    }
  }

  /** A drained slow client: per stream, the finals it missed and the newest candle, then live again. */
  private resume(session: ChartLiveSession): void {
    for (const [streamId, stream] of session.subscriptions) {
      if (session.closed) return;
      if (stream.bridged.has(session)) continue;
      const cursor = session.cursors.get(streamId);
      const hubSince = cursor === undefined ? undefined : this.hub.since(streamId, cursor.epoch, cursor.seq);
      if (hubSince === undefined && !stream.coversFinalsAfter(cursor)) this.counters.incompleteCatchUps += 1;
      const catchUp = stream.catchUp(cursor, hubSince);
      this.counters.conflatedUpdates += catchUp.conflated;
      for (const envelope of catchUp.envelopes) if (!this.send(session, this.encode(stream, envelope), 'chart')) return;
      session.ws?.subscribe(stream.topic);
    }
    session.cursors.clear();
    session.slowSince = undefined;
    this.slowSessions.delete(session);
    this.counters.resyncs += 1;
  }

  /** Timer: resume slow clients whose drain event we did not see, close the ones stuck for too long. */
  private checkSlowClients(): void {
    const now = this.options.clock.now();
    for (const session of [...this.slowSessions]) {
      const ws = session.ws;
      if (session.closed || ws === undefined || session.slowSince === undefined) {
        this.slowSessions.delete(session);
        continue;
      }
      const buffered = ws.getBufferedAmount();
      if (buffered > this.counters.peakBufferedBytes) this.counters.peakBufferedBytes = buffered;
      if (buffered > this.options.hardBackpressureBytes || now - session.slowSince > this.options.slowConsumerTimeoutMs) {
        this.corked(session, () => this.closeSlow(session));
      } else if (buffered <= this.resumeBelowBytes()) {
        this.corked(session, () => this.resume(session));
      }
    }
  }

  /** Hysteresis: resuming at the soft limit itself would flap between slow and live. */
  private resumeBelowBytes(): number {
    return Math.floor(this.options.softBackpressureBytes / 2);
  }

  private closeSlow(session: ChartLiveSession): void {
    if (session.closed) return;
    this.counters.slowCloses += 1;
    this.closeSession(session, CLOSE_CODES.SLOW_CONSUMER);
  }

  // ---------------------------------------------------------------- sending and closing

  private encode(stream: ChartStream<ChartLiveSession>, envelope: CandleEnvelope): Buffer {
    let bytes = this.encoded.get(envelope);
    if (bytes === undefined) {
      bytes = Buffer.from(encodeChartEvent(stream.token, envelope, this.options.benchStamp));
      this.encoded.set(envelope, bytes);
    }
    return bytes;
  }

  /** Sends one text frame; false when the session is (now) closed. Never lets uWS drop silently. */
  private send(session: ChartLiveSession, data: string | Buffer, event: ChartLiveEvent = 'control'): boolean {
    const ws = session.ws;
    if (session.closed || ws === undefined) return false;
    const status = ws.send(data, false);
    // 2 = dropped: over uWS's maxBackpressure, which our hard limit should have prevented.
    if (status === 2) {
      this.closeSlow(session);
      return false;
    }
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.counters.messagesSent += 1;
    this.counters.bytesSent += bytes;
    if (event === 'chart') {
      this.chartSent.messages += 1;
      this.chartSent.bytes += bytes;
    }
    const buffered = ws.getBufferedAmount();
    if (buffered > this.counters.peakBufferedBytes) this.counters.peakBufferedBytes = buffered;
    if (buffered > this.options.hardBackpressureBytes) {
      this.closeSlow(session);
      return false;
    }
    return true;
  }

  private sendError(session: ChartLiveSession, error: ChartLiveError, id?: RequestId): void {
    this.counters.errors[error.code] = (this.counters.errors[error.code] ?? 0) + 1;
    this.send(session, errorMessage(error, id));
  }

  /** The error (if any), then the close: PROTOCOL.md's order for authentication failures. */
  private refuse(session: ChartLiveSession, error: ChartLiveError | undefined, code: CloseCode): void {
    if (error !== undefined) this.sendError(session, error);
    this.closeSession(session, code);
  }

  /** Closes with a code and the standard reason; uWS runs the close handler (and so forget) at once. */
  private closeSession(session: ChartLiveSession, code: CloseCode): void {
    const ws = session.ws;
    if (session.closed || ws === undefined) return;
    this.counters.serverCloses[code] = (this.counters.serverCloses[code] ?? 0) + 1;
    ws.end(code, CLOSE_REASONS[code]);
    this.forget(session);
  }

  /** Sends from outside uWS callbacks (timers, hub listeners, promises) are corked into one syscall. */
  private corked(session: ChartLiveSession, work: () => void): void {
    if (session.closed || session.ws === undefined) return;
    session.ws.cork(work);
  }

  private releaseLease(lease: ConnectionLease): void {
    const release: Promise<void> = this.connections.release(lease).then(
      () => undefined,
      (error: unknown) => this.reportError(asError(error, `chart-live: could not release connection slot ${lease.leaseId}`)),
    );
    this.pendingReleases.add(release);
    void release.finally(() => this.pendingReleases.delete(release));
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    if (this.slowTimer !== undefined) clearInterval(this.slowTimer);
    this.slowTimer = undefined;
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const session of [...this.sessions]) this.corked(session, () => this.closeSession(session, CLOSE_CODES.SERVER_SHUTDOWN));
    // Upgrades in flight finish as 503s and release their slots; then wait for every release.
    await Promise.allSettled([...this.pendingUpgrades]);
    await Promise.allSettled([...this.pendingReleases]);
    for (const stream of this.streams.values()) stream.detach();
    this.streams.clear();
  }
}

/** The failure with what we were doing when it happened; the original stays reachable as `cause`. */
function asError(error: unknown, context: string): Error {
  return new Error(`${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

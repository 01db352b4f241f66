import type { AuthAttemptLimiter, ConnectionRegistry, KeyStore } from '@mdg/auth';
import { Admitter, InboundRateLimiter, type DeliveryObserver, type Hub, type SessionEnd } from '@mdg/edge';
import type { HistoryService } from '@mdg/history';
import type { InstrumentRegistry } from '@mdg/model';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { chartLiveErrors, connectedMessage, pongMessage } from '@mdg/protocol';
import { resolveChartLiveOptions, type ChartLiveOptions, type ResolvedChartLiveOptions } from './chart-live-options';
import { CLOSE_REASON_OF_CODE, refusalOnChartLive, sessionEndOnChartLive } from './chart-live-refusals';
import { ChartLiveSender } from './chart-live-sender';
import { ChartLiveSession, type ChartLiveUserData } from './chart-live-session';
import type { ChartLiveDeliveryCounters, ChartLiveStats } from './chart-live-stats';
import { ChartLiveStreams } from './chart-live-streams';
import { ChartLiveSubscriptions } from './chart-live-subscriptions';
import { CHART_LIVE_ANCHOR_TOPIC } from './chart-live-topic';
import { ChartLiveUpgrade } from './chart-live-upgrade';
import { CLOSE_CODES, type CloseCode } from '@mdg/protocol';
import { parseClientMessage, type ClientMessage } from '@mdg/protocol';
import { SlowConsumerGuard } from './slow-consumer-guard';

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
 * Margin between our hard limit and uWS's `maxBackpressure`. uWS drops (silently) any send
 * made while the buffer is over maxBackpressure, the close frame included; we close at the
 * hard limit, checked after every send, so the margin only has to hold one message and the
 * close frame.
 */
const UWS_BACKPRESSURE_MARGIN = 64 * 1024;

/** The `connected` text, encoded once. */
const CONNECTED = Buffer.from(connectedMessage());

/**
 * The raw WebSocket endpoint `/ws/chart-live` (PROTOCOL.md section B) on a uWS app: the socket
 * events, wired to its parts. Admission, revocation, plan changes and slot leases belong to the
 * edge session layer (Admitter, shared with `/api-ws`); the fan-out to ChartLiveStreams; slow
 * clients to SlowConsumerGuard; subscriptions to ChartLiveSubscriptions; writes to ChartLiveSender.
 */
export class ChartLiveEndpoint {
  readonly options: ResolvedChartLiveOptions;
  private readonly app: TemplatedApp;
  private readonly registry: InstrumentRegistry;
  private readonly reportError: (error: Error) => void;
  private readonly admitter: Admitter;
  private readonly sender: ChartLiveSender;
  private readonly guard: SlowConsumerGuard;
  private readonly streams: ChartLiveStreams;
  private readonly subscriptions: ChartLiveSubscriptions;
  private readonly upgrade: ChartLiveUpgrade;
  private readonly delivery: ChartLiveDeliveryCounters = { conflatedUpdates: 0, resyncs: 0, incompleteCatchUps: 0, droppedEnvelopes: 0 };
  private readonly sessions = new Set<ChartLiveSession>();
  private state: 'new' | 'started' | 'closed' = 'new';
  private closing: Promise<void> | undefined;

  constructor(deps: ChartLiveEndpointDeps) {
    const options = resolveChartLiveOptions(deps.options);
    this.options = options;
    this.app = deps.app;
    this.registry = deps.registry;
    this.reportError = deps.onError ?? ((error) => process.emitWarning(error));
    this.admitter = new Admitter({
      keyStore: deps.keyStore,
      connections: deps.connections,
      authLimiter: deps.authLimiter,
      policy: { connectionPool: options.connectionPool, requirePro: false, maxConnectionsPerPlan: options.maxConnectionsPerPlan },
      onError: this.reportError,
    });
    this.sender = new ChartLiveSender({
      hardBackpressureBytes: options.hardBackpressureBytes,
      onOverHardLimit: (session) => this.guard.closeSlow(session),
      onServerClose: (session, code) => this.onServerClose(session, code),
    });
    this.guard = new SlowConsumerGuard({
      options,
      hub: deps.hub,
      sender: this.sender,
      counters: this.delivery,
      encode: (stream, envelope) => this.streams.encode(stream, envelope),
      sessions: () => this.sessions,
    });
    this.streams = new ChartLiveStreams({
      app: deps.app,
      hub: deps.hub,
      sender: this.sender,
      guard: this.guard,
      counters: this.delivery,
      finalsKeptPerStream: options.finalsKeptPerStream,
      benchStamp: options.benchStamp,
      observer: deps.observer,
      connectionCount: () => this.sessions.size,
      isLive: () => this.state === 'started',
    });
    this.subscriptions = new ChartLiveSubscriptions({
      hub: deps.hub,
      streams: this.streams,
      sender: this.sender,
      maxSubscriptions: options.maxSubscriptions,
      history: deps.history,
      reportError: this.reportError,
    });
    this.upgrade = new ChartLiveUpgrade({
      admitter: this.admitter,
      isLive: () => this.state === 'started',
      createUserData: (admission) => ({
        session: new ChartLiveSession(admission, new InboundRateLimiter(options.inboundMessagesPerSecond, options.inboundStrikesToClose)),
      }),
      discard: ({ session }) => this.forget(session),
      reportError: this.reportError,
    });
  }

  /** Registers the route on the app and starts the session layer and the slow-client check. Once only. */
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
      upgrade: (res, req, context) => this.upgrade.handle(res, req, context),
      open: (ws) => this.onOpen(ws),
      message: (ws, data) => this.onMessage(ws, data),
      drain: (ws) => this.guard.onDrain(ws.getUserData().session),
      close: (ws) => this.forget(ws.getUserData().session),
    });
    this.admitter.start();
    this.guard.start();
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
    return this.admitter.disconnectKey(keyHash);
  }

  stats(): ChartLiveStats {
    let subscriptions = 0;
    for (const session of this.sessions) subscriptions += session.subscriptions.size;
    const traffic = this.sender.counters;
    return {
      ...this.admitter.stats(),
      subscriptions,
      streams: this.streams.size,
      slowClients: this.guard.size,
      errors: { ...traffic.errors },
      messagesSent: traffic.messagesSent,
      bytesSent: traffic.bytesSent,
      sent: {
        chart: { messages: traffic.chartMessages, bytes: traffic.chartBytes },
        control: { messages: traffic.messagesSent - traffic.chartMessages, bytes: traffic.bytesSent - traffic.chartBytes },
      },
      ...this.delivery,
      peakBufferedBytes: traffic.peakBufferedBytes,
    };
  }

  private onOpen(ws: WebSocket<ChartLiveUserData>): void {
    const session = ws.getUserData().session;
    session.ws = ws;
    const admission = session.admission;
    if (!admission.ok) {
      this.sender.refuse(session, admission.error, admission.closeCode);
      return;
    }
    const opened = this.admitter.open(admission.ticket, (cause) => this.end(session, cause));
    if (!opened.ok) {
      // Revoked or downgraded while it was being admitted.
      const { error, closeCode } = refusalOnChartLive(opened.refusal);
      this.sender.refuse(session, error, closeCode);
      return;
    }
    session.admitted = opened.session;
    this.sessions.add(session);
    ws.subscribe(CHART_LIVE_ANCHOR_TOPIC);
    this.sender.send(session, CONNECTED);
  }

  /** The session layer cut the connection (revocation, plan change, lost lease): say why, then close. */
  private end(session: ChartLiveSession, cause: SessionEnd): void {
    const { error, closeCode } = sessionEndOnChartLive(cause);
    this.sender.corked(session, () => this.sender.refuse(session, error, closeCode));
  }

  private onMessage(ws: WebSocket<ChartLiveUserData>, data: ArrayBuffer): void {
    const session = ws.getUserData().session;
    if (session.closed || session.admitted === undefined) return;
    const options = this.options;
    const verdict = session.limiter.take(options.clock.now());
    if (verdict !== 'ok') {
      this.sender.sendError(session, chartLiveErrors.rateLimited(options.inboundMessagesPerSecond));
      if (verdict === 'close') this.sender.close(session, CLOSE_CODES.LIMIT_EXCEEDED);
      return;
    }
    if (data.byteLength > options.maxMessageBytes) {
      this.sender.sendError(session, chartLiveErrors.messageTooLarge(options.maxMessageBytes));
      return;
    }
    // toString copies: uWS neuters `data` when this callback returns.
    const message = parseClientMessage(Buffer.from(data).toString('utf8'), this.registry);
    this.handle(session, message);
  }

  private handle(session: ChartLiveSession, message: ClientMessage): void {
    switch (message.kind) {
      case 'subscribe':
        this.subscriptions.subscribe(session, message.token, message.timeframe, message.id, message);
        return;
      case 'unsubscribe':
        this.subscriptions.unsubscribe(session, message.token, message.timeframe, message.id);
        return;
      case 'ping':
        this.sender.send(session, pongMessage(this.options.clock.now(), message.id));
        return;
      case 'invalid':
        this.sender.sendError(session, message.error, message.id);
        return;
    }
  }

  /** Counts a server close of an admitted connection by meaning, then forgets the session. */
  private onServerClose(session: ChartLiveSession, code: CloseCode): void {
    if (session.admitted !== undefined) this.admitter.countServerClose(CLOSE_REASON_OF_CODE[code]);
    this.forget(session);
  }

  /** Drops every trace of a session: subscriptions (detaching idle streams), slot, indexes. Idempotent. */
  private forget(session: ChartLiveSession): void {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session);
    this.guard.forget(session);
    this.subscriptions.dropAll(session);
    if (session.admitted !== undefined) session.admitted.release();
    // Admitted but never opened (the socket died during the upgrade): the slot goes back.
    else if (session.admission.ok) this.admitter.abandon(session.admission.ticket);
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    this.guard.stop();
    for (const session of [...this.sessions]) this.sender.corked(session, () => this.sender.close(session, CLOSE_CODES.SERVER_SHUTDOWN));
    // Upgrades in flight finish as 503s and give back their slots; then every release settles.
    await this.upgrade.settled();
    await this.admitter.close();
    this.streams.detachAll();
  }
}

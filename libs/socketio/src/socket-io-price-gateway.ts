import type { AuthAttemptLimiter, ConnectionRegistry, KeyStore } from '@mdg/auth';
import { priceStream, type Envelope } from '@mdg/bus';
import { Admitter, InboundRateLimiter, type DeliveryObserver, type Hub, type SessionEnd } from '@mdg/edge';
import { PRICE_SYMBOLS, type PriceSymbol } from '@mdg/model';
import { Server, type ServerOptions } from 'socket.io';
import type { TemplatedApp } from 'uWebSockets.js';
import type { ClientToServerEvents, PriceUpdate, ServerToClientEvents } from '@mdg/protocol';
import type { GatewayNamespace, GatewaySocket, PriceSession, SocketData } from './gateway-socket';
import { LatestPrices } from './latest-prices';
import { PriceSubscription } from './price-subscription';
import { SlowClientSweep } from './slow-client-sweep';
import { SocketIoAdmission } from './socket-io-admission';
import { resolveSocketIoGatewayOptions, type ResolvedSocketIoGatewayOptions, type SocketIoGatewayOptions } from './socket-io-gateway-options';
import type { SocketIoGatewayStats } from './socket-io-gateway-stats';
import { SymbolsMessages } from './symbols-messages';
import { UwsRoomAdapter, type BroadcastCounters } from './uws-room-adapter';

export interface SocketIoPriceGatewayDeps {
  /** The uWS app this gateway adds its routes to; it is never closed by the gateway. */
  app: TemplatedApp;
  hub: Hub;
  keyStore: KeyStore;
  connections: ConnectionRegistry;
  authLimiter: AuthAttemptLimiter;
  options?: SocketIoGatewayOptions;
  /** Background failures (key store or registry errors, failed lease releases). Default: a process warning. */
  onError?: (error: Error) => void;
  /** Told about every price update handed to sockets (metrics: tick-to-wire latency). Default: none, at no cost. */
  observer?: DeliveryObserver;
}

/**
 * PROTOCOL.md section A: Socket.IO namespace `/api-ws` on an existing uWS app.
 *
 * - Admission, revocation, plan changes and slot leases belong to the edge session layer
 *   (Admitter, shared with `/ws/chart-live`): an active Pro key, failed logins limited per
 *   address, at most `maxConnectionsPerPlan` live connections per user, cluster-wide.
 * - One Socket.IO room per symbol. A new socket joins all 20 (it receives every symbol);
 *   its first `subscribe` narrows it to exactly the symbols asked for (PriceSubscription).
 * - One hub listener per price stream; each envelope becomes one PriceUpdate object and one
 *   broadcast to its room, which UwsRoomAdapter turns into a single uWS `app.publish`.
 * - Slow consumers: see SlowClientSweep. A drop that still happens (a client falling behind
 *   by the remaining headroom within one check period) shows up to it as a `seq` jump.
 */
export class SocketIoPriceGateway {
  readonly options: ResolvedSocketIoGatewayOptions;
  private readonly app: TemplatedApp;
  private readonly hub: Hub;
  private readonly io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  private readonly nsp: GatewayNamespace;
  private readonly observer: DeliveryObserver | undefined;
  private readonly reportError: (error: Error) => void;
  private readonly admitter: Admitter;
  private readonly admission: SocketIoAdmission;
  private readonly latest: LatestPrices;
  private readonly symbols: SymbolsMessages;
  private readonly sweep: SlowClientSweep;
  private readonly broadcasts: BroadcastCounters = { fastPath: 0, slowPath: 0, recipients: 0, bytes: 0 };
  /** `initial-prices` messages and bytes (nothing else is sent socket by socket). */
  private readonly initialPrices = { messages: 0, bytes: 0 };
  private updatesBroadcast = 0;
  private readonly sessions = new Map<string, PriceSession>();
  private readonly detachers: (() => void)[] = [];
  private seeded: Promise<void> = Promise.resolve();
  private state: 'new' | 'started' | 'closed' = 'new';
  private closing: Promise<void> | undefined;

  constructor(deps: SocketIoPriceGatewayDeps) {
    const options = resolveSocketIoGatewayOptions(deps.options);
    this.options = options;
    this.app = deps.app;
    this.hub = deps.hub;
    this.observer = deps.observer;
    this.reportError = deps.onError ?? ((error) => process.emitWarning(error.message, 'SocketIoPriceGateway'));
    this.admitter = new Admitter({
      keyStore: deps.keyStore,
      connections: deps.connections,
      authLimiter: deps.authLimiter,
      policy: { connectionPool: options.connectionPool, requirePro: true, maxConnectionsPerPlan: options.maxConnectionsPerPlan },
      onError: this.reportError,
    });
    this.admission = new SocketIoAdmission({
      admitter: this.admitter,
      remoteAddress: options.remoteAddress,
      ready: () => this.seeded,
      isLive: () => this.state === 'started',
      end: (socket, cause) => this.end(socket, cause),
      reportError: this.reportError,
    });
    this.latest = new LatestPrices(options.benchStamp);
    this.symbols = new SymbolsMessages(options, (session) => this.closeFlooding(session), this.reportError);
    this.sweep = new SlowClientSweep(
      options,
      () => [...this.sessions.values()].map((session) => session.socket),
      () => this.admitter.countServerClose('slow_consumer'),
    );
    const serverOptions: Partial<ServerOptions> = {
      path: options.path,
      serveClient: options.serveClient,
      connectTimeout: options.connectTimeoutMs,
      pingInterval: options.pingIntervalMs,
      pingTimeout: options.pingTimeoutMs,
      maxHttpBufferSize: options.maxInboundMessageBytes,
      adapter: UwsRoomAdapter.bindTo(this.app, this.broadcasts),
      // uWS cannot remove routes: after close() the Engine.IO routes stay, and refuse here.
      allowRequest: (_request, callback) => callback(this.state === 'started' ? null : 'the /api-ws gateway is not running', this.state === 'started'),
    };
    this.io = new Server(serverOptions);
    this.nsp = this.io.of(options.namespace);
  }

  /** Adds the Socket.IO routes to the app and starts delivering prices. Call once. */
  start(): void {
    if (this.state !== 'new') throw new Error(`SocketIoPriceGateway.start() called when ${this.state}`);
    this.state = 'started';
    for (const symbol of PRICE_SYMBOLS) {
      this.detachers.push(this.hub.attach(priceStream(symbol), (envelope) => this.onEnvelope(symbol, envelope)));
    }
    this.admitter.start();
    // The main namespace serves nothing; refusing it keeps unauthenticated sockets out.
    this.io.of('/').use((_socket, next) => next(new Error('Invalid namespace')));
    this.nsp.use((socket, next) => this.admission.middleware(socket, next));
    this.nsp.on('connection', (socket) => this.onConnection(socket));
    const attachOptions: Partial<ServerOptions> & { maxBackpressure: number } = { maxBackpressure: this.options.maxBackpressureBytes };
    this.io.attachApp(this.app, attachOptions);
    this.sweep.start();
    this.seeded = this.latest.seed(this.hub, this.reportError);
  }

  /**
   * Disconnects every client of this gateway (Engine.IO close: stock clients reconnect, to
   * another node if this one is going away), releases their leases, detaches from the hub
   * and stops Socket.IO. The uWS app itself is left running. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Disconnects the sockets authenticated with this key, and any admission of it in flight
   * (a revocation; the session layer does it on the key store's events). A Socket.IO "server
   * disconnect": stock clients do not retry. Returns how many sockets were closed.
   */
  disconnectKey(keyHash: string): number {
    return this.admitter.disconnectKey(keyHash);
  }

  stats(): SocketIoGatewayStats {
    return {
      ...this.admitter.stats(),
      // `engine` exists once attachApp ran (start()); Engine.IO keeps the count, closed connections excluded.
      engineConnections: this.state === 'new' ? 0 : this.io.engine.clientsCount,
      ...this.symbols.counters,
      updatesBroadcast: this.updatesBroadcast,
      droppedEnvelopes: this.latest.invalidEnvelopes,
      messagesSent: this.initialPrices.messages + this.broadcasts.recipients,
      subscriptions: this.countSubscriptions(),
      sent: {
        'initial-prices': { ...this.initialPrices },
        'price-update': { messages: this.broadcasts.recipients, bytes: this.broadcasts.bytes },
      },
      fastPathBroadcasts: this.broadcasts.fastPath,
      slowPathBroadcasts: this.broadcasts.slowPath,
      largestBufferedBytes: this.sweep.largestBufferedBytes,
    };
  }

  private countSubscriptions(): number {
    let count = 0;
    for (const session of this.sessions.values()) count += session.subscription.size;
    return count;
  }

  private async shutdown(): Promise<void> {
    const wasStarted = this.state === 'started';
    this.state = 'closed';
    this.sweep.stop();
    for (const detach of this.detachers.splice(0)) detach();
    if (!wasStarted) return;
    // An Engine.IO close (not a Socket.IO disconnect) tells stock clients to reconnect. Graceful
    // where the transport can take a close packet now (a WebSocket, or a long-polling client
    // with a poll pending); then Engine.IO discards every connection left, including those
    // between polls (a graceful close would wait up to 30 s for their next poll) and sockets
    // still in the auth middleware (which then release what they acquired). Each socket's
    // "disconnect" releases its lease.
    for (const session of [...this.sessions.values()]) {
      this.admitter.countServerClose('shutdown');
      if (session.socket.conn.transport.writable) session.socket.conn.close();
    }
    // Not io.close(): it would also restore socket.io-adapter's Adapter.prototype for the whole
    // process (socket.io/dist/uws.js), under any other Socket.IO server attached to a uWS app.
    this.io.engine.close();
    await this.admission.settled();
    await this.admitter.close();
  }

  private onEnvelope(symbol: PriceSymbol, envelope: Envelope): void {
    const update = this.latest.remember(symbol, envelope);
    if (update === undefined) return;
    const recipientsBefore = this.broadcasts.recipients;
    const bytesBefore = this.broadcasts.bytes;
    // Exactly one room, no exceptions: UwsRoomAdapter's fast path (one app.publish).
    this.nsp.to(symbol).emit('price-update', update);
    this.updatesBroadcast += 1;
    if (this.observer === undefined) return;
    // The adapter broadcasts synchronously inside emit(): the counter deltas are this update's.
    const recipients = this.broadcasts.recipients - recipientsBefore;
    if (recipients > 0) this.observer.onDelivered('socketio', envelope, recipients, (this.broadcasts.bytes - bytesBefore) / recipients);
  }

  private onConnection(socket: GatewaySocket): void {
    const admitted = socket.data.admitted;
    if (admitted === undefined || socket.data.ended !== undefined) {
      // Never serve a socket the session layer did not admit, or cut before it connected.
      socket.disconnect(true);
      return;
    }
    const session: PriceSession = {
      socket,
      admitted,
      subscription: new PriceSubscription(),
      inbound: new InboundRateLimiter(this.options.inboundMessagesPerSecond, this.options.inboundStrikesToClose),
    };
    this.sessions.set(socket.id, session);
    socket.on('disconnect', () => {
      this.sessions.delete(socket.id);
      admitted.release();
    });
    socket.use((event, next) => this.symbols.limitInbound(session, event, next));
    socket.on('subscribe', (...args) => this.symbols.handle(session, 'subscribe', args));
    socket.on('unsubscribe', (...args) => this.symbols.handle(session, 'unsubscribe', args));
    // Snapshot and room joins in the same tick: no update can fall between them, so the first
    // price-update of a symbol has the seq right after the one in initial-prices.
    const snapshot = this.latest.snapshot();
    socket.emit('initial-prices', snapshot);
    this.initialPrices.messages += 1;
    // Socket.IO encodes inside emit and does not tell the size; once per connection, encoding again is cheap.
    this.initialPrices.bytes += initialPricesFrameBytes(this.nsp.name, snapshot);
    // UwsRoomAdapter joins synchronously: nothing to wait for (Socket.IO types it as maybe async).
    void socket.join([...PRICE_SYMBOLS]);
  }

  /**
   * The session layer cut a connection. A revoked key or a plan that no longer entitles it
   * gets a Socket.IO "server disconnect" (stock clients do not retry; a new attempt is refused
   * with the documented message); a lost slot lease a transport close, so the client
   * reconnects and competes for a slot again (its slot may already be someone else's).
   */
  private end(socket: GatewaySocket, cause: SessionEnd): void {
    if (!socket.connected) {
      socket.data.ended = cause;
      return;
    }
    if (cause.kind === 'lease_lost') {
      this.admitter.countServerClose('try_again_later');
      socket.conn.close(true);
      return;
    }
    this.admitter.countServerClose('auth_failed');
    socket.disconnect(true);
  }

  private closeFlooding(session: PriceSession): void {
    this.admitter.countServerClose('limit_exceeded');
    session.socket.disconnect(true);
  }
}

/** The `initial-prices` packet as a WebSocket text frame: `42<namespace>,["initial-prices",[...]]`. */
function initialPricesFrameBytes(namespace: string, updates: PriceUpdate[]): number {
  return Buffer.byteLength(`42${namespace},`) + Buffer.byteLength(JSON.stringify(['initial-prices', updates]));
}

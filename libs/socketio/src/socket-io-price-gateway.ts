import { authenticateApiKey, type AuthAttemptLimiter, type ConnectionLease, type ConnectionRegistry, type KeyStore } from '@mdg/auth';
import { isAfter, priceStream, type Envelope } from '@mdg/bus';
import { InboundRateLimiter, type DeliveryObserver, type Hub } from '@mdg/edge';
import { PRICE_SYMBOLS, type PriceSymbol } from '@mdg/model';
import { Server, type Event, type Namespace, type ServerOptions, type Socket } from 'socket.io';
import type { TemplatedApp } from 'uWebSockets.js';
import { ConnectionRefusedError, REFUSAL_CODES, type RefusalCode } from './connection-refused-error';
import { bufferedBytes } from './engine-connection';
import { parseSymbolsPayload } from './parse-symbols-payload';
import { PriceSubscription } from './price-subscription';
import { priceUpdateFromEnvelope, type PriceUpdate } from './price-update';
import { resolveSocketIoGatewayOptions, type ResolvedSocketIoGatewayOptions, type SocketIoGatewayOptions } from './socket-io-gateway-options';
import type { SocketIoGatewayStats } from './socket-io-gateway-stats';
import { UwsRoomAdapter, type BroadcastCounters } from './uws-room-adapter';

export interface SocketIoPriceGatewayDeps {
  /** The uWS app this gateway adds its routes to; it is never closed by the gateway. */
  app: TemplatedApp;
  hub: Hub;
  keyStore: KeyStore;
  connections: ConnectionRegistry;
  authLimiter: AuthAttemptLimiter;
  options?: SocketIoGatewayOptions;
  /** Told about every price update handed to sockets (metrics: tick-to-wire latency). Default: none, at no cost. */
  observer?: DeliveryObserver;
}

/** The answer to a `subscribe`/`unsubscribe` sent with an ack callback. */
export type SymbolsAck =
  | { ok: true; symbols: PriceSymbol[] }
  | { ok: false; error: string; code?: 'INVALID_PAYLOAD' | 'UNKNOWN_SYMBOL' | 'RATE_LIMITED' };

interface ServerToClientEvents {
  'initial-prices': (updates: PriceUpdate[]) => void;
  'price-update': (update: PriceUpdate) => void;
}

interface ClientToServerEvents {
  subscribe: (...args: unknown[]) => void;
  unsubscribe: (...args: unknown[]) => void;
}

/** What the auth middleware establishes for a socket it lets in. */
interface Admission {
  readonly keyHash: string;
  readonly lease: ConnectionLease;
}

interface SocketData {
  admission?: Admission;
}

type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type GatewayNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

interface ClientSession {
  readonly socket: GatewaySocket;
  readonly keyHash: string;
  readonly lease: ConnectionLease;
  readonly subscription: PriceSubscription;
  readonly inbound: InboundRateLimiter;
}

type Counters = Omit<SocketIoGatewayStats, 'connections' | 'engineConnections' | 'refusals' | 'fastPathBroadcasts' | 'slowPathBroadcasts' | 'subscriptions' | 'sent'>;

/**
 * PROTOCOL.md section A: Socket.IO namespace `/api-ws` on an existing uWS app.
 *
 * - Auth middleware: `handshake.auth.apiKey` must be an active Pro key; failures per remote
 *   address are rate limited; each admitted socket holds one ConnectionRegistry lease
 *   (at most `maxConnectionsPerUser` per user, cluster-wide), released on disconnect.
 * - One Socket.IO room per symbol. A new socket joins all 20 (it receives every symbol);
 *   its first `subscribe` narrows it to exactly the symbols asked for (PriceSubscription).
 * - One hub listener per price stream; each envelope becomes one PriceUpdate object and one
 *   broadcast to its room, which UwsRoomAdapter turns into a single uWS `app.publish`.
 * - Slow consumers: uWS buffers at most `maxBackpressureBytes` per client and silently
 *   drops past it (Socket.IO cannot see that); a timer closes any client holding more than
 *   `slowClientHardLimitBytes` before that happens, and the stock client reconnects (and
 *   gets fresh `initial-prices`). A drop that still happens (a client falling behind by
 *   the remaining headroom within one check period) shows up to it as a `seq` jump.
 */
export class SocketIoPriceGateway {
  readonly options: ResolvedSocketIoGatewayOptions;
  private readonly app: TemplatedApp;
  private readonly hub: Hub;
  private readonly keyStore: KeyStore;
  private readonly connections: ConnectionRegistry;
  private readonly authLimiter: AuthAttemptLimiter;
  private readonly io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  private readonly nsp: GatewayNamespace;
  private readonly observer: DeliveryObserver | undefined;
  private readonly broadcasts: BroadcastCounters = { fastPath: 0, slowPath: 0, recipients: 0, bytes: 0 };
  /** `initial-prices` bytes (their count is `counters.messagesSent`: nothing else is sent socket by socket). */
  private initialPricesBytes = 0;
  private readonly counters: Counters = {
    accepted: 0,
    badPayloads: 0,
    unknownSymbols: 0,
    rateLimited: 0,
    floodCloses: 0,
    slowClientCloses: 0,
    leaseLostCloses: 0,
    revokedCloses: 0,
    updatesBroadcast: 0,
    invalidEnvelopes: 0,
    messagesSent: 0,
    largestBufferedBytes: 0,
  };
  private readonly refusals = Object.fromEntries(REFUSAL_CODES.map((code) => [code, 0])) as Record<RefusalCode, number>;
  /** The newest update per symbol: what `initial-prices` is made of, always current (no read on connect). */
  private readonly latest = new Map<PriceSymbol, { epoch: number; update: PriceUpdate }>();
  private readonly sessions = new Map<string, ClientSession>();
  private readonly sessionsByLease = new Map<string, ClientSession>();
  private readonly pendingAdmissions = new Set<Promise<void>>();
  /** Keys passed to disconnectKey while admissions were in flight: those admissions must not complete. */
  private readonly keysDisconnectedDuringAdmission = new Set<string>();
  private readonly pendingReleases = new Set<Promise<void>>();
  private readonly detachers: (() => void)[] = [];
  private seeded: Promise<void> = Promise.resolve();
  private sweepTimer: NodeJS.Timeout | undefined;
  private state: 'new' | 'started' | 'closed' = 'new';
  private closing: Promise<void> | undefined;

  constructor(deps: SocketIoPriceGatewayDeps) {
    this.options = resolveSocketIoGatewayOptions(deps.options);
    this.app = deps.app;
    this.hub = deps.hub;
    this.keyStore = deps.keyStore;
    this.connections = deps.connections;
    this.authLimiter = deps.authLimiter;
    this.observer = deps.observer;
    const serverOptions: Partial<ServerOptions> = {
      path: this.options.path,
      serveClient: this.options.serveClient,
      connectTimeout: this.options.connectTimeoutMs,
      pingInterval: this.options.pingIntervalMs,
      pingTimeout: this.options.pingTimeoutMs,
      maxHttpBufferSize: this.options.maxInboundMessageBytes,
      adapter: UwsRoomAdapter.bindTo(this.app, this.broadcasts),
      // uWS cannot remove routes: after close() the Engine.IO routes stay, and refuse here.
      allowRequest: (_request, callback) => callback(this.state === 'started' ? null : 'the /api-ws gateway is not running', this.state === 'started'),
    };
    this.io = new Server(serverOptions);
    this.nsp = this.io.of(this.options.namespace);
  }

  /** Adds the Socket.IO routes to the app and starts delivering prices. Call once. */
  start(): void {
    if (this.state !== 'new') throw new Error(`SocketIoPriceGateway.start() called when ${this.state}`);
    this.state = 'started';
    for (const symbol of PRICE_SYMBOLS) {
      this.detachers.push(this.hub.attach(priceStream(symbol), (envelope) => this.onEnvelope(symbol, envelope)));
    }
    this.detachers.push(this.connections.onLeaseLost((lease) => this.onLeaseLost(lease)));
    // The main namespace serves nothing; refusing it keeps unauthenticated sockets out.
    this.io.of('/').use((_socket, next) => next(new Error('Invalid namespace')));
    this.nsp.use((socket, next) => this.admit(socket, next));
    this.nsp.on('connection', (socket) => this.onConnection(socket));
    const attachOptions: Partial<ServerOptions> & { maxBackpressure: number } = { maxBackpressure: this.options.maxBackpressureBytes };
    this.io.attachApp(this.app, attachOptions);
    this.sweepTimer = setInterval(() => this.sweepSlowClients(), this.options.slowClientCheckIntervalMs);
    this.sweepTimer.unref();
    // Admissions wait for this, so the first clients get complete initial-prices.
    this.seeded = this.seedLatest();
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
   * Disconnects the sockets authenticated with this key (revocation: wire it to
   * `keyStore.onRevoked`). A Socket.IO "server disconnect": stock clients do not retry.
   * Returns how many sockets were closed.
   */
  disconnectKey(keyHash: string): number {
    // An admission may have verified this key before it was revoked and not be connected yet.
    if (this.pendingAdmissions.size > 0) this.keysDisconnectedDuringAdmission.add(keyHash);
    let closed = 0;
    for (const session of [...this.sessions.values()]) {
      if (session.keyHash !== keyHash) continue;
      session.socket.disconnect(true);
      closed += 1;
    }
    this.counters.revokedCloses += closed;
    return closed;
  }

  stats(): SocketIoGatewayStats {
    return {
      ...this.counters,
      connections: this.sessions.size,
      // `engine` exists once attachApp ran (start()); Engine.IO keeps the count, closed connections excluded.
      engineConnections: this.state === 'new' ? 0 : this.io.engine.clientsCount,
      refusals: { ...this.refusals },
      messagesSent: this.counters.messagesSent + this.broadcasts.recipients,
      fastPathBroadcasts: this.broadcasts.fastPath,
      slowPathBroadcasts: this.broadcasts.slowPath,
      subscriptions: this.countSubscriptions(),
      sent: {
        'initial-prices': { messages: this.counters.messagesSent, bytes: this.initialPricesBytes },
        'price-update': { messages: this.broadcasts.recipients, bytes: this.broadcasts.bytes },
      },
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
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const detach of this.detachers.splice(0)) detach();
    if (!wasStarted) return;
    // An Engine.IO close (not a Socket.IO disconnect) tells stock clients to reconnect. Graceful
    // where the transport can take a close packet now (a WebSocket, or a long-polling client
    // with a poll pending); then Engine.IO discards every connection left, including those
    // between polls (a graceful close would wait up to 30 s for their next poll) and sockets
    // still in the auth middleware (which then release what they acquired). Each socket's
    // "disconnect" releases its lease.
    for (const session of [...this.sessions.values()]) {
      if (session.socket.conn.transport.writable) session.socket.conn.close();
    }
    // Not io.close(): it would also restore socket.io-adapter's Adapter.prototype for the whole
    // process (socket.io/dist/uws.js), under any other Socket.IO server attached to a uWS app.
    this.io.engine.close();
    await Promise.allSettled([...this.pendingAdmissions]);
    await Promise.allSettled([...this.pendingReleases]);
  }

  private async seedLatest(): Promise<void> {
    try {
      const envelopes = await this.hub.latest(PRICE_SYMBOLS.map((symbol) => priceStream(symbol)));
      PRICE_SYMBOLS.forEach((symbol, index) => {
        const envelope = envelopes[index];
        if (envelope !== undefined) this.remember(symbol, envelope);
      });
    } catch (error) {
      this.report('cannot read the latest prices for initial-prices', error);
    }
  }

  /** Caches the envelope's update when it is newer than the cached one; returns it then. */
  private remember(symbol: PriceSymbol, envelope: Envelope): PriceUpdate | undefined {
    const update = priceUpdateFromEnvelope(symbol, envelope, this.options.benchStamp);
    if (update === undefined) {
      this.counters.invalidEnvelopes += 1;
      return undefined;
    }
    const cached = this.latest.get(symbol);
    if (cached !== undefined && !isAfter({ epoch: envelope.epoch, seq: update.seq }, { epoch: cached.epoch, seq: cached.update.seq })) return undefined;
    this.latest.set(symbol, { epoch: envelope.epoch, update });
    return update;
  }

  private onEnvelope(symbol: PriceSymbol, envelope: Envelope): void {
    const update = this.remember(symbol, envelope);
    if (update === undefined) return;
    const recipientsBefore = this.broadcasts.recipients;
    const bytesBefore = this.broadcasts.bytes;
    // Exactly one room, no exceptions: UwsRoomAdapter's fast path (one app.publish).
    this.nsp.to(symbol).emit('price-update', update);
    this.counters.updatesBroadcast += 1;
    if (this.observer === undefined) return;
    // The adapter broadcasts synchronously inside emit(): the counter deltas are this update's.
    const recipients = this.broadcasts.recipients - recipientsBefore;
    if (recipients > 0) this.observer.onDelivered('socketio', envelope, recipients, (this.broadcasts.bytes - bytesBefore) / recipients);
  }

  private snapshot(): PriceUpdate[] {
    const updates: PriceUpdate[] = [];
    for (const symbol of PRICE_SYMBOLS) {
      const cached = this.latest.get(symbol);
      if (cached !== undefined) updates.push(cached.update);
    }
    return updates;
  }

  private admit(socket: GatewaySocket, next: (error?: Error) => void): void {
    const admission = this.decide(socket)
      .then((outcome) => this.conclude(socket, next, outcome))
      .catch((error: unknown) => this.report('the /api-ws auth middleware failed', error))
      .finally(() => {
        this.pendingAdmissions.delete(admission);
        if (this.pendingAdmissions.size === 0) this.keysDisconnectedDuringAdmission.clear();
      });
    this.pendingAdmissions.add(admission);
  }

  /** The admission decision; never rejects (a failing dependency refuses with SERVICE_UNAVAILABLE). */
  private async decide(socket: GatewaySocket): Promise<Admission | ConnectionRefusedError> {
    try {
      await this.seeded;
      if (this.state !== 'started') return new ConnectionRefusedError('SERVICE_UNAVAILABLE');
      const address = this.options.remoteAddress(socket);
      const retryAfterMs = this.authLimiter.retryAfterMs(address);
      if (retryAfterMs > 0) return new ConnectionRefusedError('AUTH_RATE_LIMITED', retryAfterMs);
      const auth: unknown = socket.handshake.auth;
      const apiKey = typeof auth === 'object' && auth !== null ? (auth as Record<string, unknown>)['apiKey'] : undefined;
      let verdict: Awaited<ReturnType<typeof authenticateApiKey>>;
      try {
        verdict = await authenticateApiKey(this.keyStore, apiKey, { requirePro: true });
      } catch (error) {
        this.report('key store lookup failed; connection refused', error);
        return new ConnectionRefusedError('SERVICE_UNAVAILABLE');
      }
      if (!verdict.ok) {
        // Only unknown/invalid keys look like guessing; a valid free key is not counted.
        if (verdict.reason === 'AUTH_FAILED') this.authLimiter.recordFailure(address);
        return new ConnectionRefusedError(verdict.reason);
      }
      const { userId, keyHash } = verdict.record;
      let lease: ConnectionLease | undefined;
      try {
        lease = await this.connections.acquire(userId, this.options.connectionPool, this.options.maxConnectionsPerUser);
      } catch (error) {
        this.report('connection registry failed; connection refused', error);
        return new ConnectionRefusedError('SERVICE_UNAVAILABLE');
      }
      if (lease === undefined) return new ConnectionRefusedError('CONNECTION_LIMIT');
      return { keyHash, lease };
    } catch (error) {
      this.report('the /api-ws admission failed; connection refused', error);
      return new ConnectionRefusedError('SERVICE_UNAVAILABLE');
    }
  }

  private conclude(socket: GatewaySocket, next: (error?: Error) => void, outcome: Admission | ConnectionRefusedError): void {
    if (!(outcome instanceof ConnectionRefusedError) && this.keysDisconnectedDuringAdmission.has(outcome.keyHash)) {
      this.releaseLease(outcome.lease);
      outcome = new ConnectionRefusedError('AUTH_FAILED');
    }
    if (outcome instanceof ConnectionRefusedError) {
      this.refusals[outcome.code] += 1;
      next(outcome);
      return;
    }
    if (this.state !== 'started' || socket.conn.readyState !== 'open') {
      // Closed meanwhile (gateway or client): Socket.IO will not connect it, so give the slot back.
      this.releaseLease(outcome.lease);
      next(new ConnectionRefusedError('SERVICE_UNAVAILABLE'));
      return;
    }
    socket.data.admission = outcome;
    next();
    // Socket.IO connects the socket in a process.nextTick queued by next(); ticks run in order,
    // so this one sees the outcome. A socket it dropped (connection closed) keeps no lease.
    process.nextTick(() => {
      if (!socket.connected && !this.sessions.has(socket.id)) this.releaseLease(outcome.lease);
    });
  }

  private onConnection(socket: GatewaySocket): void {
    const admission = socket.data.admission;
    if (admission === undefined) {
      // Unreachable while every socket passes admit(); never serve an unauthenticated one.
      socket.disconnect(true);
      return;
    }
    const session: ClientSession = {
      socket,
      keyHash: admission.keyHash,
      lease: admission.lease,
      subscription: new PriceSubscription(),
      inbound: new InboundRateLimiter(this.options.inboundMessagesPerSecond, this.options.inboundStrikesToClose),
    };
    this.sessions.set(socket.id, session);
    this.sessionsByLease.set(admission.lease.leaseId, session);
    this.counters.accepted += 1;
    socket.on('disconnect', () => this.onDisconnect(session));
    socket.use((event, next) => this.limitInbound(session, event, next));
    socket.on('subscribe', (...args) => this.onSymbolsMessage(session, 'subscribe', args));
    socket.on('unsubscribe', (...args) => this.onSymbolsMessage(session, 'unsubscribe', args));
    // Snapshot and room joins in the same tick: no update can fall between them, so the first
    // price-update of a symbol has the seq right after the one in initial-prices.
    const snapshot = this.snapshot();
    socket.emit('initial-prices', snapshot);
    this.counters.messagesSent += 1;
    // Socket.IO encodes inside emit and does not tell the size; once per connection, encoding again is cheap.
    this.initialPricesBytes += initialPricesFrameBytes(this.nsp.name, snapshot);
    socket.join([...PRICE_SYMBOLS]);
  }

  private onDisconnect(session: ClientSession): void {
    this.sessions.delete(session.socket.id);
    this.sessionsByLease.delete(session.lease.leaseId);
    this.releaseLease(session.lease);
  }

  private onLeaseLost(lease: ConnectionLease): void {
    const session = this.sessionsByLease.get(lease.leaseId);
    if (session === undefined) return;
    this.counters.leaseLostCloses += 1;
    // Its slot may already be someone else's. A transport close (not a Socket.IO disconnect)
    // lets the client reconnect and compete for a slot again.
    session.socket.conn.close(true);
  }

  private releaseLease(lease: ConnectionLease): void {
    const release: Promise<void> = this.connections
      .release(lease)
      .catch((error: unknown) => this.report(`could not release connection lease ${lease.leaseId}`, error))
      .finally(() => this.pendingReleases.delete(release));
    this.pendingReleases.add(release);
  }

  private limitInbound(session: ClientSession, event: Event, next: (error?: Error) => void): void {
    const verdict = session.inbound.take(this.options.clock.now());
    if (verdict === 'ok') {
      next();
      return;
    }
    this.counters.rateLimited += 1;
    if (verdict === 'close') {
      this.counters.floodCloses += 1;
      session.socket.disconnect(true);
      return;
    }
    // Dropped (next() not called); an ack still gets its answer.
    const ack: unknown = event[event.length - 1];
    if (typeof ack === 'function') {
      const answer: SymbolsAck = { ok: false, error: `Rate limit exceeded: at most ${this.options.inboundMessagesPerSecond} messages per second`, code: 'RATE_LIMITED' };
      ack(answer);
    }
  }

  private onSymbolsMessage(session: ClientSession, kind: 'subscribe' | 'unsubscribe', args: unknown[]): void {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (answer: SymbolsAck) => void) : undefined;
    const payload = ack !== undefined && args.length === 1 ? undefined : args[0];
    let answer: SymbolsAck;
    try {
      answer = this.applySymbols(session, kind, payload);
    } catch (error) {
      this.report(`${kind} failed`, error);
      answer = { ok: false, error: 'Internal error' };
    }
    ack?.(answer);
  }

  private applySymbols(session: ClientSession, kind: 'subscribe' | 'unsubscribe', payload: unknown): SymbolsAck {
    const parsed = parseSymbolsPayload(payload, this.options.maxSymbolsPerMessage);
    if (!parsed.ok) {
      if (parsed.code === 'INVALID_PAYLOAD') this.counters.badPayloads += 1;
      else this.counters.unknownSymbols += 1;
      return { ok: false, error: parsed.error, code: parsed.code };
    }
    const change = kind === 'subscribe' ? session.subscription.subscribe(parsed.symbols) : session.subscription.unsubscribe(parsed.symbols);
    for (const symbol of change.leave) session.socket.leave(symbol);
    if (change.join.length > 0) session.socket.join([...change.join]);
    return { ok: true, symbols: session.subscription.symbols() };
  }

  private sweepSlowClients(): void {
    let largest = 0;
    for (const session of [...this.sessions.values()]) {
      const conn = session.socket.conn;
      if (conn.readyState !== 'open') continue;
      const buffered = bufferedBytes(conn);
      if (buffered > largest) largest = buffered;
      if (buffered <= this.options.slowClientHardLimitBytes) continue;
      this.counters.slowClientCloses += 1;
      // Transport close, not a Socket.IO disconnect: the stock client reconnects by itself.
      conn.close(true);
    }
    this.counters.largestBufferedBytes = largest;
  }

  private report(context: string, error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    this.options.onError(new Error(`${context}: ${detail}`, { cause: error }));
  }
}

/** The `initial-prices` packet as a WebSocket text frame: `42<namespace>,["initial-prices",[...]]`. */
function initialPricesFrameBytes(namespace: string, updates: PriceUpdate[]): number {
  return Buffer.byteLength(`42${namespace},`) + Buffer.byteLength(JSON.stringify(['initial-prices', updates]));
}

import { AuthAttemptLimiter, MemoryConnectionRegistry, MemoryKeyStore, type ConnectionRegistry, type KeyStore, type Plan } from '@mdg/auth';
import { MemoryMarketBus, preciseNow, priceStream, StreamSequencer, type Envelope } from '@mdg/bus';
import { Hub, type DeliveryObserver } from '@mdg/edge';
import type { MarketUpdate } from '@mdg/model';
import * as http from 'node:http';
import { io, type ManagerOptions, type Socket as ClientSocket, type SocketOptions } from 'socket.io-client';
import * as uWS from 'uWebSockets.js';
import { SocketIoPriceGateway } from '../socket-io-price-gateway';
import type { SocketIoGatewayOptions } from '../socket-io-gateway-options';
import type { PriceUpdate } from '@mdg/protocol';

export interface GatewayHarnessOptions {
  gateway?: SocketIoGatewayOptions;
  keyStore?: KeyStore;
  connections?: ConnectionRegistry;
  authLimiter?: AuthAttemptLimiter;
  observer?: DeliveryObserver;
  /** Background failures the gateway reports. Default: a process warning. */
  onError?: (error: Error) => void;
  /** Price envelopes published before the gateway starts (they seed initial-prices). */
  before?: (harness: { publish: (symbol: string, fields?: Partial<MarketUpdate>) => Envelope }) => void;
}

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/**
 * A real uWS app on 127.0.0.1, port 0, with one SocketIoPriceGateway on a memory bus, and
 * real socket.io-client clients. Everything it opens, close() closes.
 */
export class GatewayHarness {
  readonly app = uWS.App();
  readonly bus = new MemoryMarketBus();
  readonly hub = new Hub(this.bus);
  readonly keyStore: KeyStore;
  readonly connections: ConnectionRegistry;
  readonly authLimiter: AuthAttemptLimiter;
  readonly gateway: SocketIoPriceGateway;
  private readonly sequencer = new StreamSequencer(1);
  private readonly clients = new Set<ClientSocket>();
  private listenSocket: uWS.us_listen_socket | undefined;
  private boundPort = 0;

  private constructor(options: GatewayHarnessOptions) {
    this.keyStore = options.keyStore ?? new MemoryKeyStore();
    this.connections = options.connections ?? new MemoryConnectionRegistry();
    this.authLimiter = options.authLimiter ?? new AuthAttemptLimiter();
    this.gateway = new SocketIoPriceGateway({
      app: this.app,
      hub: this.hub,
      keyStore: this.keyStore,
      connections: this.connections,
      authLimiter: this.authLimiter,
      options: options.gateway,
      onError: options.onError,
      observer: options.observer,
    });
  }

  static async start(options: GatewayHarnessOptions = {}): Promise<GatewayHarness> {
    const harness = new GatewayHarness(options);
    options.before?.({ publish: (symbol, fields) => harness.publish(symbol, fields) });
    harness.gateway.start();
    harness.app.get('/ping', (res) => {
      res.end('pong');
    });
    await new Promise<void>((resolve, reject) => {
      harness.app.listen('127.0.0.1', 0, (socket) => {
        if (socket === false) {
          reject(new Error('uWS could not listen on 127.0.0.1:0'));
          return;
        }
        harness.listenSocket = socket;
        harness.boundPort = uWS.us_socket_local_port(socket);
        resolve();
      });
    });
    return harness;
  }

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  async createKey(userId: string, plan: Plan = 'pro', planActive = true): Promise<string> {
    const { apiKey } = await this.keyStore.create({ userId, plan, planActive });
    return apiKey;
  }

  /** One price envelope on the bus: seq 1, 2, 3, ... per symbol. */
  publish(symbol: string, fields: Partial<MarketUpdate> = {}): Envelope {
    const stream = priceStream(symbol);
    const payload: MarketUpdate = { symbol, price: 100, volume: 1_000_000, timestamp: 1_775_001_600, change: 1, changePercent: 1, ...fields };
    const now = preciseNow();
    const envelope: Envelope = { stream, epoch: 1, seq: this.sequencer.next(stream), payload, acceptedAt: now, publishedAt: now };
    this.bus.publish(envelope);
    return envelope;
  }

  /** A stock client on `/api-ws` (websocket only unless `options.transports` says otherwise). */
  connect(apiKey: unknown, options: ClientOptions = {}): ClientSocket {
    const client = io(`${this.url}/api-ws`, {
      auth: apiKey === undefined ? {} : { apiKey },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...options,
    });
    this.track(client);
    return client;
  }

  /** Registers a client created elsewhere so close() closes it. */
  track(client: ClientSocket): ClientSocket {
    this.clients.add(client);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.close();
    this.clients.clear();
    await this.gateway.close();
    if (this.listenSocket !== undefined) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    await this.connections.close();
    await this.keyStore.close();
    await this.bus.close();
  }
}

export interface RefusalSeen {
  message: string;
  data: unknown;
}

/** Resolves on `connect`, rejects with the connect_error. */
export function connected(client: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (client.connected) {
      resolve();
      return;
    }
    client.once('connect', () => resolve());
    client.once('connect_error', (error) => reject(error));
  });
}

/** Resolves with the connect_error; rejects if the client connects instead. */
export function refused(client: ClientSocket): Promise<RefusalSeen> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => reject(new Error('expected a refusal, the client connected')));
    client.once('connect_error', (error: Error & { data?: unknown }) => resolve({ message: error.message, data: error.data }));
  });
}

/** The next occurrence of `event` (its first argument). */
export function nextEvent<T>(client: ClientSocket, event: string): Promise<T> {
  return new Promise((resolve) => client.once(event, (value: T) => resolve(value)));
}

/** Emits with an ack and resolves with the answer. */
export function request<T>(client: ClientSocket, event: string, ...args: unknown[]): Promise<T> {
  return new Promise((resolve) => client.emit(event, ...args, (answer: T) => resolve(answer)));
}

/** Every `price-update` a client received, with a way to wait for a condition on them. */
export class UpdateLog {
  readonly updates: PriceUpdate[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(client: ClientSocket) {
    client.on('price-update', (update: PriceUpdate) => {
      this.updates.push(update);
      for (const waiter of [...this.waiters]) waiter();
    });
  }

  symbols(): string[] {
    return this.updates.map((update) => update.symbol);
  }

  clear(): void {
    this.updates.length = 0;
  }

  /** Resolves once `predicate` holds for the updates received so far; rejects after timeoutMs. */
  until(predicate: (updates: readonly PriceUpdate[]) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (predicate(this.updates)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.symbols())}`));
      }, timeoutMs);
      const check = (): void => {
        if (!predicate(this.updates)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Resolves once an update of `symbol` with this price arrived (a marker ends a sequence). */
  untilMarker(symbol: string, price: number): Promise<void> {
    return this.until((updates) => updates.some((update) => update.symbol === symbol && update.price === price), `${symbol} @ ${price}`);
  }
}

/** A plain HTTP GET without keep-alive (no pooled socket outlives the test). */
export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

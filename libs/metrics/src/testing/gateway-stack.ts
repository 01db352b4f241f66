import {
  AuthAttemptLimiter,
  MemoryConnectionRegistry,
  MemoryKeyStore,
  type AuthAttemptLimiterOptions,
  type ConnectionLease,
  type ConnectionRegistry,
  type Plan,
} from '@mdg/auth';
import { candleStream, MemoryMarketBus, preciseNow, priceStream, StreamSequencer, type Envelope } from '@mdg/bus';
import { Hub } from '@mdg/edge';
import { MarketEngine, type MarketEngineOptions } from '@mdg/engine';
import { SIMULATED_TOKENS, type Feed, type FeedHandlers, type FeedState, type FeedStats } from '@mdg/feeds';
import { registerHttpRoutes, registerNotFound } from '@mdg/http';
import { InstrumentRegistry, ManualClock, type CandleUpdate, type MarketUpdate, type TokenInstrument, type Trade } from '@mdg/model';
import { MarketPipeline } from '@mdg/pipeline';
import { SocketIoPriceGateway, type SocketIoGatewayOptions } from '@mdg/socketio';
import { ChartLiveEndpoint, type ChartLiveOptions } from '@mdg/uws';
import * as http from 'node:http';
import { io, type Socket as ClientSocket } from 'socket.io-client';
import * as uWS from 'uWebSockets.js';
import { GatewayMetrics } from '../gateway-metrics';
import type { EngineOwnershipSample } from '../metric-sources';
import { ChartClient } from './chart-client';
import { RawSocketIoClient } from './raw-socket-io-client';
import { Scrape } from './scrape';

export interface GatewayStackOptions {
  socketio?: SocketIoGatewayOptions;
  chartLive?: ChartLiveOptions;
  engine?: MarketEngineOptions;
  authLimiter?: AuthAttemptLimiterOptions;
}

/** 2026-04-01T00:00:00Z: engine time starts on a day boundary, so every candle bucket starts here. */
export const STACK_T0 = 1_775_001_600_000;

/**
 * A Feed whose trades and errors the spec emits by hand (the port's test double: a real
 * feed cannot be told to fail on cue).
 */
export class ScriptedFeed implements Feed {
  readonly name = 'scripted';
  private handlers: FeedHandlers | undefined;
  private current: FeedState = 'idle';
  private emitted = 0;
  private rejected = 0;

  start(handlers: FeedHandlers): Promise<void> {
    this.handlers = handlers;
    this.current = 'live';
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.current = 'stopped';
    this.handlers = undefined;
    return Promise.resolve();
  }

  state(): FeedState {
    return this.current;
  }

  stats(): FeedStats {
    return { emitted: this.emitted, rejected: this.rejected };
  }

  trade(trade: Trade): void {
    this.emitted += 1;
    this.handlers?.onTrade(trade);
  }

  /** An input refused at the boundary, reported as the port says. */
  reject(reason: string): void {
    this.rejected += 1;
    this.handlers?.onError(new Error(reason));
  }

  goStale(): void {
    this.current = 'stale';
  }
}

/** A MemoryConnectionRegistry whose acquire can be made to fail (storage down → SERVICE_UNAVAILABLE). */
export class FlakyConnectionRegistry implements ConnectionRegistry {
  failing = false;
  private readonly inner = new MemoryConnectionRegistry();

  acquire(userId: string, pool: string, limit: number): Promise<ConnectionLease | undefined> {
    if (this.failing) return Promise.reject(new Error('connection registry unreachable (spec)'));
    return this.inner.acquire(userId, pool, limit);
  }

  release(lease: ConnectionLease): Promise<void> {
    return this.inner.release(lease);
  }

  count(userId: string, pool: string): Promise<number> {
    return this.inner.count(userId, pool);
  }

  onLeaseLost(listener: (lease: ConnectionLease) => void): () => void {
    return this.inner.onLeaseLost(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * One whole gateway in a process, as the app composes it: engine (MarketEngine +
 * MarketPipeline on a ScriptedFeed, engine time on a ManualClock), in-memory bus, Hub,
 * both protocols on a real uWS app on 127.0.0.1:0, HTTP routes with GET /metrics, and a
 * GatewayMetrics tracking everything. Publishing is by hand (publishPrices/publishCandles)
 * so specs decide when updates go out. close() closes every client and handle it opened.
 */
export class GatewayStack {
  readonly clock = new ManualClock(STACK_T0);
  readonly registry = new InstrumentRegistry(SIMULATED_TOKENS);
  readonly bus = new MemoryMarketBus();
  readonly metrics = new GatewayMetrics({ roles: ['engine', 'edge'], defaultMetrics: false });
  readonly hub = new Hub(this.bus, undefined, this.metrics.observer);
  readonly keyStore = new MemoryKeyStore();
  readonly connections = new FlakyConnectionRegistry();
  readonly authLimiter: AuthAttemptLimiter;
  readonly app = uWS.App();
  readonly prices: SocketIoPriceGateway;
  readonly charts: ChartLiveEndpoint;
  readonly engine: MarketEngine;
  readonly pipeline: MarketPipeline;
  readonly feed = new ScriptedFeed();
  /** What the engineOwnership source reports; specs change it to play a takeover. */
  ownership: EngineOwnershipSample = { owner: true, epoch: 1, takeovers: 1 };
  /** Background errors of the adapters and the metrics. */
  readonly errors: Error[] = [];
  private readonly sequencer = new StreamSequencer(1);
  private readonly unsubscribers: (() => void)[] = [];
  private readonly socketClients = new Set<ClientSocket>();
  private readonly chartClients = new Set<ChartClient>();
  private readonly rawClients = new Set<RawSocketIoClient>();
  private listenSocket: uWS.us_listen_socket | undefined;
  private boundPort = 0;
  private tradeCount = 0;

  private constructor(options: GatewayStackOptions) {
    this.authLimiter = new AuthAttemptLimiter(options.authLimiter);
    const shared = {
      app: this.app,
      hub: this.hub,
      keyStore: this.keyStore,
      connections: this.connections,
      authLimiter: this.authLimiter,
      observer: this.metrics.observer,
    };
    this.prices = new SocketIoPriceGateway({ ...shared, options: options.socketio, onError: (error) => this.errors.push(error) });
    this.charts = new ChartLiveEndpoint({ ...shared, registry: this.registry, options: options.chartLive, onError: (error) => this.errors.push(error) });
    this.engine = new MarketEngine(this.registry, options.engine ?? { candles: { graceMs: 0 } });
    this.pipeline = new MarketPipeline(this.engine, this.bus, { clock: this.clock, priceIntervalMs: 3_600_000, candleIntervalMs: 3_600_000 });
    this.metrics.track({
      socketio: () => this.prices.stats(),
      chartLive: () => this.charts.stats(),
      hub: () => this.hub.stats(),
      engine: () => this.engine.stats(),
      pipeline: () => this.pipeline.stats(),
      bus: () => ({ connected: this.bus.state() === 'connected' }),
      feed: () => ({ state: this.feed.state(), stats: this.feed.stats() }),
      engineOwnership: () => this.ownership,
    });
  }

  static async start(options: GatewayStackOptions = {}): Promise<GatewayStack> {
    const stack = new GatewayStack(options);
    stack.prices.start();
    stack.charts.start();
    registerHttpRoutes(stack.app, {
      health: () => ({ ok: true, reasons: [] }),
      readiness: () => ({ ok: true, reasons: [] }),
      instruments: () => [],
      metrics: () => stack.metrics.render(),
    });
    registerNotFound(stack.app);
    // The publish intervals are an hour: specs publish by hand.
    await stack.pipeline.start(stack.feed, (error) => stack.errors.push(error));
    await new Promise<void>((resolve, reject) => {
      stack.app.listen('127.0.0.1', 0, (socket) => {
        if (socket === false) {
          reject(new Error('uWS could not listen on 127.0.0.1:0'));
          return;
        }
        stack.listenSocket = socket;
        stack.boundPort = uWS.us_socket_local_port(socket);
        resolve();
      });
    });
    return stack;
  }

  get port(): number {
    return this.boundPort;
  }

  /** GET /metrics over HTTP, parsed. */
  async scrape(): Promise<Scrape> {
    const { status, contentType, body } = await httpGet(`http://127.0.0.1:${this.port}/metrics`);
    if (status !== 200) throw new Error(`GET /metrics answered ${status}: ${body}`);
    if (!contentType.startsWith('text/plain; version=0.0.4')) throw new Error(`GET /metrics content type ${contentType}`);
    return new Scrape(body);
  }

  async createKey(userId: string, plan: Plan = 'pro'): Promise<string> {
    return (await this.keyStore.create({ userId, plan })).apiKey;
  }

  /** A stock socket.io client on /api-ws (WebSocket transport, no reconnection). */
  connectPrices(apiKey: string | undefined): ClientSocket {
    const client = io(`http://127.0.0.1:${this.port}/api-ws`, {
      auth: apiKey === undefined ? {} : { apiKey },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socketClients.add(client);
    return client;
  }

  /** A minimal /api-ws client that can stop reading (a stalled consumer). */
  async connectRawPrices(apiKey: string): Promise<RawSocketIoClient> {
    const client = await RawSocketIoClient.connect(this.port, apiKey);
    this.rawClients.add(client);
    return client;
  }

  /** A `ws` client on /ws/chart-live with the key in the x-api-key header. */
  async connectChart(apiKey: string | undefined): Promise<ChartClient> {
    const client = await ChartClient.open(`ws://127.0.0.1:${this.port}/ws/chart-live`, apiKey === undefined ? {} : { 'x-api-key': apiKey });
    this.chartClients.add(client);
    return client;
  }

  token(index = 0): TokenInstrument {
    const token = this.registry.tokens()[index];
    if (token === undefined) throw new Error(`no simulated token #${index}`);
    return token;
  }

  /** A valid trade at engine time (or `time`). */
  trade(instrument: string, fields: Partial<Trade> = {}): Trade {
    this.tradeCount += 1;
    return { instrument, price: 100, size: 1, side: 'buy', time: this.clock.now(), tradeId: `t${this.tradeCount}`, source: 'spec', ...fields };
  }

  /** A price envelope straight on the bus (seq 1, 2, ... per symbol), bypassing the engine. */
  publishPrice(symbol: string, fields: Record<string, unknown> = {}): Envelope {
    const payload: MarketUpdate = { symbol, price: 100, volume: 1_000_000, timestamp: 1_775_001_600, change: 1, changePercent: 1, ...fields };
    return this.publish(priceStream(symbol), payload);
  }

  /** A candle envelope straight on the bus, bypassing the engine. */
  publishCandle(token: TokenInstrument, timeframe: number, close: number): Envelope {
    const payload: CandleUpdate = {
      instrument: token.id,
      timeframe,
      candle: { time: STACK_T0, open: 1, high: Math.max(1, close), low: Math.min(1, close), close, volume: 10, volumeUsd: 10, trades: 1, buys: 1, sells: 0 },
      closed: false,
    };
    return this.publish(candleStream(token.id, timeframe), payload);
  }

  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const client of this.socketClients) client.close();
    this.socketClients.clear();
    for (const client of this.rawClients) client.terminate();
    this.rawClients.clear();
    await Promise.all([...this.chartClients].map((client) => client.close()));
    this.chartClients.clear();
    await this.pipeline.halt();
    await this.prices.close();
    await this.charts.close();
    if (this.listenSocket !== undefined) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    // uWS 20.30 has App.close() (closes what is left, e.g. HTTP keep-alive sockets) but its typings lack it.
    (this.app as unknown as { close(): void }).close();
    await this.connections.close();
    await this.keyStore.close();
    await this.bus.close();
  }

  private publish(stream: string, payload: unknown): Envelope {
    const now = preciseNow();
    // A different epoch than the pipeline's (1), far above it: spec envelopes never collide with engine ones.
    const envelope: Envelope = { stream, epoch: 1000, seq: this.sequencer.next(stream), payload, acceptedAt: now, publishedAt: now };
    this.bus.publish(envelope);
    return envelope;
  }
}

/** A plain HTTP GET without keep-alive (no pooled socket outlives the spec). */
function httpGet(url: string): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

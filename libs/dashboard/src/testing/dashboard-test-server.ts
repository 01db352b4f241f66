import { AuthAttemptLimiter, MemoryConnectionRegistry, MemoryKeyStore, type Plan } from '@mdg/auth';
import { MemoryMarketBus } from '@mdg/bus';
import { Hub } from '@mdg/edge';
import { MarketEngine } from '@mdg/engine';
import { SIMULATED_TOKENS, SimulatedFeed } from '@mdg/feeds';
import { registerHttpRoutes, registerNotFound } from '@mdg/http';
import { InstrumentRegistry, PRICE_SYMBOLS, systemClock, TIMEFRAMES, type TokenInstrument } from '@mdg/model';
import { MarketPipeline } from '@mdg/pipeline';
import { SocketIoPriceGateway } from '@mdg/socketio';
import { ChartLiveEndpoint } from '@mdg/uws';
import * as uWS from 'uWebSockets.js';
import { dashboardPage } from '../dashboard-page';

export interface InstrumentToken {
  tokenAddress: string;
  quoteToken: string;
  decimals: number;
  symbol: string;
}

export interface DashboardTestServerOptions {
  /** Simulated trades per second across every instrument. Default 200. */
  tradesPerSecond?: number;
  seed?: number;
}

/**
 * The pieces the gateway's edge and engine roles compose, on one real uWS app on 127.0.0.1,
 * port 0: a simulated market through MarketEngine + MarketPipeline onto a memory bus, a Hub,
 * Socket.IO `/api-ws` (serving its browser client), `/ws/chart-live`, and the HTTP routes with
 * `/instruments` and the dashboard at `/`. `close()` closes everything it opened.
 */
export class DashboardTestServer {
  readonly registry = new InstrumentRegistry(SIMULATED_TOKENS);
  readonly app = uWS.App();
  readonly bus = new MemoryMarketBus();
  readonly hub = new Hub(this.bus);
  readonly keyStore = new MemoryKeyStore();
  readonly connections = new MemoryConnectionRegistry();
  readonly authLimiter = new AuthAttemptLimiter();
  readonly prices: SocketIoPriceGateway;
  readonly charts: ChartLiveEndpoint;
  readonly pipeline: MarketPipeline;
  /** Background errors the endpoints or the feed reported. */
  readonly errors: Error[] = [];
  /** Extra entries `/instruments` lists after the tracked tokens (to feed the page hostile data). */
  extraTokens: InstrumentToken[] = [];
  /** Passed to dashboardPage() on every GET /. */
  demoKey: string | undefined;
  private readonly feed: SimulatedFeed;
  private listenSocket: uWS.us_listen_socket | undefined;
  private boundPort = 0;
  private readonly cleanups: (() => void)[] = [];

  private constructor(options: DashboardTestServerOptions) {
    const onError = (error: Error): void => {
      this.errors.push(error);
    };
    const shared = { app: this.app, hub: this.hub, keyStore: this.keyStore, connections: this.connections, authLimiter: this.authLimiter };
    this.prices = new SocketIoPriceGateway({ ...shared, onError });
    this.charts = new ChartLiveEndpoint({ ...shared, registry: this.registry, onError });
    this.pipeline = new MarketPipeline(new MarketEngine(this.registry), this.bus, { clock: systemClock });
    this.feed = new SimulatedFeed({ seed: options.seed ?? 7, tradesPerSecond: options.tradesPerSecond ?? 200, clock: systemClock });
  }

  static async start(options: DashboardTestServerOptions = {}): Promise<DashboardTestServer> {
    const server = new DashboardTestServer(options);
    // As the gateway's edge node does: /ws/chart-live listens to revocations itself, /api-ws is told.
    server.cleanups.push(server.keyStore.onRevoked((record) => server.prices.disconnectKey(record.keyHash)));
    server.prices.start();
    server.charts.start();
    registerHttpRoutes(server.app, {
      health: () => ({ ok: true, reasons: [] }),
      readiness: () => ({ ok: true, reasons: [] }),
      instruments: () => server.instruments(),
      dashboard: () => dashboardPage({ demoKey: server.demoKey }),
    });
    registerNotFound(server.app);
    await server.pipeline.start(server.feed, (error) => server.errors.push(error));
    server.boundPort = await new Promise<number>((resolve, reject) => {
      server.app.listen('127.0.0.1', 0, (socket) => {
        if (socket === false) {
          reject(new Error('uWS could not listen on 127.0.0.1:0'));
          return;
        }
        server.listenSocket = socket;
        resolve(uWS.us_socket_local_port(socket));
      });
    });
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  async createKey(plan: Plan, userId = `user-${plan}`): Promise<string> {
    return (await this.keyStore.create({ userId, plan, mode: 'test' })).apiKey;
  }

  token(index: number): TokenInstrument {
    const token = this.registry.tokens()[index];
    if (token === undefined) throw new Error(`no simulated token #${index}`);
    return token;
  }

  /** The same shape as the gateway's GET /instruments. */
  instruments(): unknown {
    const tracked = this.registry
      .tokens()
      .map((token) => ({ tokenAddress: token.tokenAddress, quoteToken: token.quoteToken, decimals: token.decimals, symbol: token.symbol }));
    return {
      prices: { endpoint: '/api-ws', symbols: [...PRICE_SYMBOLS] },
      chartLive: { endpoint: '/ws/chart-live', timeframes: [...TIMEFRAMES], tokens: [...tracked, ...this.extraTokens] },
    };
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.pipeline.stop();
    await this.prices.close();
    await this.charts.close();
    if (this.listenSocket !== undefined) uWS.us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    // uWS 20.30 has App.close() (closes every remaining socket, e.g. HTTP keep-alive) but its typings lack it.
    (this.app as unknown as { close(): void }).close();
    await this.connections.close();
    await this.keyStore.close();
    await this.bus.close();
  }
}

import * as uWS from 'uWebSockets.js';
import { AuthAttemptLimiter, FileKeyStore, MemoryConnectionRegistry, type KeyStore } from '@mdg/auth';
import { MemoryMarketBus, type MarketBus } from '@mdg/bus';
import { Hub } from '@mdg/edge';
import { MarketEngine } from '@mdg/engine';
import { SimulatedFeed, SIMULATED_TOKENS, type Feed } from '@mdg/feeds';
import { registerHttpRoutes, registerNotFound, type HealthReport } from '@mdg/http';
import { InstrumentRegistry, systemClock, type Clock } from '@mdg/model';
import { MarketPipeline } from '@mdg/pipeline';
import { SocketIoPriceGateway } from '@mdg/socketio';
import { ChartLiveEndpoint } from '@mdg/uws';
import type { GatewayConfig } from './config';
import { issueDemoKeys, type DemoKeys } from './demo-keys';
import { instrumentsView } from './instruments-view';

/** Seams for tests and other entry points; the defaults are the embedded gateway. */
export interface GatewayOverrides {
  clock?: Clock;
  feed?: Feed;
  keyStore?: KeyStore;
  bus?: MarketBus;
  log?: (line: string) => void;
}

/**
 * The embedded default: every role in one process — simulated feed → engines → memory
 * bus → hub → both protocol edges — on one uWS app and one port.
 */
export class Gateway {
  readonly registry = new InstrumentRegistry(SIMULATED_TOKENS);
  readonly app = uWS.App();
  readonly bus: MarketBus;
  readonly hub: Hub;
  readonly engine: MarketEngine;
  readonly pipeline: MarketPipeline;
  readonly prices: SocketIoPriceGateway;
  readonly charts: ChartLiveEndpoint;
  demoKeys: DemoKeys | undefined;
  private readonly clock: Clock;
  private readonly feed: Feed;
  private readonly connections = new MemoryConnectionRegistry();
  private readonly authLimiter: AuthAttemptLimiter;
  private listenSocket: uWS.us_listen_socket | undefined;
  private boundPort = 0;
  private readonly cleanups: (() => void)[] = [];
  private readonly log: (line: string) => void;

  private constructor(
    private readonly config: GatewayConfig,
    readonly keyStore: KeyStore,
    overrides: GatewayOverrides,
  ) {
    this.clock = overrides.clock ?? systemClock;
    this.log = overrides.log ?? ((line) => console.log(line));
    this.bus = overrides.bus ?? new MemoryMarketBus();
    this.hub = new Hub(this.bus);
    this.engine = new MarketEngine(this.registry, { candles: { graceMs: config.candleGraceMs } });
    this.pipeline = new MarketPipeline(this.engine, this.bus, { clock: this.clock, priceIntervalMs: config.priceIntervalMs, candleIntervalMs: config.candleIntervalMs });
    this.feed = overrides.feed ?? new SimulatedFeed({ seed: config.simulator.seed, tradesPerSecond: config.simulator.tradesPerSecond, clock: this.clock });
    this.authLimiter = new AuthAttemptLimiter({ clock: this.clock });
    const shared = { app: this.app, hub: this.hub, keyStore, connections: this.connections, authLimiter: this.authLimiter };
    this.prices = new SocketIoPriceGateway({ ...shared, options: { maxConnectionsPerUser: config.maxConnectionsPerUser } });
    this.charts = new ChartLiveEndpoint({ ...shared, registry: this.registry, options: { maxConnectionsPerPlan: { free: config.chartLiveConnectionsPerPlan, pro: config.chartLiveConnectionsPerPlan } } });
  }

  static async create(config: GatewayConfig, overrides: GatewayOverrides = {}): Promise<Gateway> {
    const keyStore = overrides.keyStore ?? (await FileKeyStore.open({ path: config.keysFile }));
    return new Gateway(config, keyStore, overrides);
  }

  get port(): number {
    return this.boundPort;
  }

  /** Starts serving and the market; resolves with the bound port. */
  async start(): Promise<number> {
    if (this.config.demoKeys) this.demoKeys = await issueDemoKeys(this.keyStore);
    this.cleanups.push(
      this.keyStore.onRevoked((record) => {
        this.prices.disconnectKey(record.keyHash);
        this.charts.disconnectKey(record.keyHash);
      }),
      this.keyStore.onError((error) => this.log(`keys file: ${error.message}`)),
    );
    this.prices.start();
    this.charts.start();
    registerHttpRoutes(this.app, {
      health: () => ({ ok: true, reasons: [] }),
      readiness: () => this.readiness(),
      instruments: () => instrumentsView(this.registry),
    });
    registerNotFound(this.app);
    await this.pipeline.start(this.feed, (error) => this.log(`feed: ${error.message}`));
    this.boundPort = await this.listen();
    return this.boundPort;
  }

  readiness(): HealthReport {
    const reasons: string[] = [];
    if (this.bus.state() !== 'connected') reasons.push('bus disconnected');
    const feedState = this.feed.state();
    if (feedState !== 'live') reasons.push(`feed ${feedState}`);
    if (this.listenSocket === undefined) reasons.push('not listening');
    return { ok: reasons.length === 0, reasons, details: { feed: feedState, bus: this.bus.state() } };
  }

  /** Stops accepting, closes every client with a going-away code, stops the market. */
  async stop(): Promise<void> {
    if (this.listenSocket !== undefined) {
      uWS.us_listen_socket_close(this.listenSocket);
      this.listenSocket = undefined;
    }
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.prices.close();
    await this.charts.close();
    // uWS 20.30 has App.close() (closes every remaining socket, e.g. HTTP keep-alive) but its typings lack it.
    (this.app as unknown as { close(): void }).close();
    await this.pipeline.stop();
    await this.connections.close();
    await this.keyStore.close();
    await this.bus.close();
  }

  private listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(this.config.host, this.config.port, (socket) => {
        if (socket === false) {
          reject(new Error(`cannot listen on ${this.config.host}:${this.config.port} (port in use?)`));
          return;
        }
        this.listenSocket = socket;
        resolve(uWS.us_socket_local_port(socket));
      });
    });
  }
}

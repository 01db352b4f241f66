import * as uWS from 'uWebSockets.js';
import type { KeyStore } from '@mdg/auth';
import type { MarketBus } from '@mdg/bus';
import type { GatewayConfig } from '@mdg/config';
import type { Feed } from '@mdg/feeds';
import { dashboardPage } from '@mdg/dashboard';
import { registerHttpRoutes, registerIngestRoute, registerNotFound, type HealthReport } from '@mdg/http';
import { GatewayMetrics } from '@mdg/metrics';
import { systemClock, type Clock, type InstrumentRegistry } from '@mdg/model';
import { createInstrumentRegistry } from './create-instrument-registry';
import { issueDemoKeys, type DemoKeys } from './demo-keys';
import { EdgeNode } from './edge-node';
import { EngineNode } from './engine-node';
import { createFeed } from './feed-factory';
import { createHistoryInfrastructure, type HistoryInfrastructure } from './history-infrastructure';
import { createInfrastructure, type Infrastructure } from './infrastructure';
import { createIngestInfrastructure, type IngestInfrastructure } from './ingest-infrastructure';
import { instrumentsView } from './instruments-view';
import { metricSources } from './metric-sources';

/** Seams for tests and other entry points; the defaults are what `npm start` runs. */
export interface GatewayOverrides {
  clock?: Clock;
  feed?: Feed;
  keyStore?: KeyStore;
  bus?: MarketBus;
  log?: (line: string) => void;
}

/**
 * One gateway process: the roles of MDG_ROLES on one uWS app and one port. Every process
 * serves /healthz, /readyz and /instruments (probes need them whatever the role); the edge
 * role adds /api-ws and /ws/chart-live.
 */
export class Gateway {
  readonly app = uWS.App();
  readonly engine: EngineNode | undefined;
  readonly edge: EdgeNode | undefined;
  demoKeys: DemoKeys | undefined;
  private listenSocket: uWS.us_listen_socket | undefined;
  private boundPort = 0;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly config: GatewayConfig,
    readonly registry: InstrumentRegistry,
    readonly infrastructure: Infrastructure,
    private readonly historyInfrastructure: HistoryInfrastructure,
    private readonly ingestInfrastructure: IngestInfrastructure,
    readonly metrics: GatewayMetrics,
    private readonly clock: Clock,
    overrides: GatewayOverrides,
  ) {
    this.log = overrides.log ?? ((line) => console.log(line));
    const { bus, keyStore, connections, ownership } = infrastructure;
    if (config.roles.has('engine')) {
      const feed = overrides.feed;
      this.engine = new EngineNode({
        config,
        registry: this.registry,
        bus,
        clock,
        ownership,
        candleQueue: historyInfrastructure.queue,
        log: this.log,
        createFeed: () => feed ?? createFeed(config, this.registry, clock, ingestInfrastructure.createFeed()),
      });
    }
    if (config.roles.has('edge')) {
      this.edge = new EdgeNode({
        config,
        app: this.app,
        registry: this.registry,
        bus,
        keyStore,
        connections,
        clock,
        observer: this.metrics.observer,
        history: historyInfrastructure.history,
        log: this.log,
      });
    }
    this.metrics.track(metricSources(infrastructure, historyInfrastructure, this.engine, this.edge));
  }

  static async create(config: GatewayConfig, overrides: GatewayOverrides = {}): Promise<Gateway> {
    const log = overrides.log ?? ((line: string) => console.log(line));
    const clock = overrides.clock ?? systemClock;
    // Reported first, before anything else can fail: a misspelt setting explains many surprises.
    for (const warning of config.warnings) log(`warning: ${warning}`);
    const registry = createInstrumentRegistry(config);
    const closers: (() => Promise<void>)[] = [];
    try {
      const infrastructure = await createInfrastructure(config, overrides);
      closers.push(() => infrastructure.close());
      const metrics = new GatewayMetrics({ roles: [...config.roles], onError: (error) => log(`metrics: ${error.message}`) });
      const history = await createHistoryInfrastructure(config, log, (latencyMs) => metrics.observer.observeJobLatency(latencyMs));
      closers.push(() => history.close());
      const ingest = await createIngestInfrastructure(config, registry, clock, log, infrastructure.ownership?.stateStore);
      return new Gateway(config, registry, infrastructure, history, ingest, metrics, clock, { ...overrides, log });
    } catch (error) {
      for (const close of closers.reverse()) await close();
      throw error;
    }
  }

  get port(): number {
    return this.boundPort;
  }

  get keyStore(): KeyStore {
    return this.infrastructure.keyStore;
  }

  /** Starts the roles and serving; resolves with the bound port. */
  async start(): Promise<number> {
    if (this.config.demoKeys && this.edge) this.demoKeys = await issueDemoKeys(this.infrastructure.keyStore);
    this.edge?.start();
    registerHttpRoutes(this.app, {
      health: () => ({ ok: true, reasons: [], details: { roles: [...this.config.roles], node: this.config.nodeId } }),
      readiness: () => this.readiness(),
      instruments: () => instrumentsView(this.registry),
      metrics: () => this.metrics.render(),
      // The demo key is embedded only while demo keys are on: every visitor of / can read it.
      ...(this.edge ? { dashboard: () => dashboardPage({ demoKey: this.config.demoKeys ? this.demoKeys?.pro : undefined }) } : {}),
    });
    const onTrades = this.ingestInfrastructure.onTrades;
    if (this.edge && onTrades) {
      const { keyStore } = this.infrastructure;
      registerIngestRoute(this.app, {
        keyStore,
        registry: this.registry,
        clock: this.clock,
        onTrades,
        autoTrack: this.config.autoTrack,
        tokens: this.ingestInfrastructure.tokens,
        onError: (error) => this.log(`ingest: ${error.message}`),
      });
    }
    registerNotFound(this.app);
    await this.engine?.start();
    this.boundPort = await this.listen();
    return this.boundPort;
  }

  readiness(): HealthReport {
    const parts = [this.engine?.readiness(), this.edge?.readiness()].filter((part): part is HealthReport => part !== undefined);
    const reasons = [...new Set(parts.flatMap((part) => part.reasons))];
    // Every role of a Redis-mode process depends on Redis answering (a hung one keeps its
    // connections open): engines and workers report it as edges do.
    const redis = this.infrastructure.redisHealth?.check();
    if (redis && !redis.ok) reasons.push(redis.reason ?? 'redis not answering');
    if (this.listenSocket === undefined) reasons.push('not listening');
    const details: Record<string, unknown> = { roles: [...this.config.roles] };
    for (const part of parts) Object.assign(details, part.details);
    return { ok: reasons.length === 0, reasons, details };
  }

  /** Stops accepting, closes clients with a going-away code, hands the engine over, closes the services. */
  async stop(): Promise<void> {
    if (this.listenSocket !== undefined) {
      uWS.us_listen_socket_close(this.listenSocket);
      this.listenSocket = undefined;
    }
    await this.edge?.stop();
    // uWS 20.30 has App.close() (closes every remaining socket, e.g. HTTP keep-alive) but its typings lack it.
    (this.app as unknown as { close(): void }).close();
    await this.engine?.stop();
    await this.ingestInfrastructure.close();
    await this.historyInfrastructure.close();
    await this.infrastructure.close();
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

import type { TemplatedApp } from 'uWebSockets.js';
import { AuthAttemptLimiter, type ConnectionRegistry, type KeyStore } from '@mdg/auth';
import type { MarketBus } from '@mdg/bus';
import { Hub, type DeliveryObserver, type HubObserver } from '@mdg/edge';
import type { HistoryService } from '@mdg/history';
import type { HealthReport } from '@mdg/http';
import type { Clock, InstrumentRegistry } from '@mdg/model';
import { SocketIoPriceGateway } from '@mdg/socketio';
import { ChartLiveEndpoint } from '@mdg/uws';
import type { GatewayConfig } from '@mdg/config';

export interface EdgeNodeDeps {
  config: GatewayConfig;
  app: TemplatedApp;
  registry: InstrumentRegistry;
  bus: MarketBus;
  keyStore: KeyStore;
  connections: ConnectionRegistry;
  clock: Clock;
  /** Metrics hooks (tick-to-wire latency, bus lag). */
  observer?: DeliveryObserver & HubObserver;
  /** Answers chart-live `history` / `since`; without it those subscriptions are refused. */
  history?: HistoryService;
  log(line: string): void;
}

/** The edge role: both protocols on the shared uWS app, fed by one Hub over the bus. Stateless. */
export class EdgeNode {
  readonly hub: Hub;
  readonly prices: SocketIoPriceGateway;
  readonly charts: ChartLiveEndpoint;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly deps: EdgeNodeDeps) {
    const { config, app, bus, keyStore, connections, clock } = deps;
    this.hub = new Hub(bus, undefined, deps.observer);
    const authLimiter = new AuthAttemptLimiter({ clock });
    // One failed-login budget per address across both endpoints. Each endpoint's session layer
    // follows revocations, plan changes and lost leases itself: nothing to wire per protocol.
    const shared = { app, hub: this.hub, keyStore, connections, authLimiter, observer: deps.observer };
    this.prices = new SocketIoPriceGateway({
      ...shared,
      options: { maxConnectionsPerPlan: { free: config.maxConnectionsPerUser, pro: config.maxConnectionsPerUser }, benchStamp: config.benchStamp },
      onError: (error) => deps.log(`api-ws: ${error.message}`),
    });
    this.charts = new ChartLiveEndpoint({
      ...shared,
      registry: deps.registry,
      history: deps.history,
      options: { maxConnectionsPerPlan: { free: config.chartLiveConnectionsPerPlan, pro: config.chartLiveConnectionsPerPlan }, benchStamp: config.benchStamp },
      onError: (error) => deps.log(`chart-live: ${error.message}`),
    });
  }

  start(): void {
    this.cleanups.push(this.deps.keyStore.onError((error) => this.deps.log(`keys: ${error.message}`)));
    this.prices.start();
    this.charts.start();
  }

  readiness(): HealthReport {
    const reasons = this.deps.bus.state() === 'connected' ? [] : ['bus disconnected'];
    return {
      ok: reasons.length === 0,
      reasons,
      details: { connections: { socketio: this.prices.stats().connections, chartLive: this.charts.stats().connections } },
    };
  }

  async stop(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.prices.close();
    await this.charts.close();
  }
}

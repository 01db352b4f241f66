import * as uWS from 'uWebSockets.js';
import type { KeyStore } from '@mdg/auth';
import type { MarketBus } from '@mdg/bus';
import { SIMULATED_TOKENS, type Feed } from '@mdg/feeds';
import { registerHttpRoutes, registerNotFound, type HealthReport } from '@mdg/http';
import { InstrumentRegistry, systemClock, type Clock } from '@mdg/model';
import type { GatewayConfig } from './config';
import { issueDemoKeys, type DemoKeys } from './demo-keys';
import { EdgeNode } from './edge-node';
import { EngineNode } from './engine-node';
import { createFeed } from './feed-factory';
import { createInfrastructure, type Infrastructure } from './infrastructure';
import { instrumentsView } from './instruments-view';

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
  readonly registry = new InstrumentRegistry(SIMULATED_TOKENS);
  readonly app = uWS.App();
  readonly engine: EngineNode | undefined;
  readonly edge: EdgeNode | undefined;
  demoKeys: DemoKeys | undefined;
  private listenSocket: uWS.us_listen_socket | undefined;
  private boundPort = 0;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly config: GatewayConfig,
    readonly infrastructure: Infrastructure,
    overrides: GatewayOverrides,
  ) {
    const clock = overrides.clock ?? systemClock;
    this.log = overrides.log ?? ((line) => console.log(line));
    const { bus, keyStore, connections, ownership } = infrastructure;
    if (config.roles.has('engine')) {
      const feed = overrides.feed;
      this.engine = new EngineNode({ config, registry: this.registry, bus, clock, ownership, log: this.log, createFeed: () => feed ?? createFeed(config, this.registry, clock) });
    }
    if (config.roles.has('edge')) {
      this.edge = new EdgeNode({ config, app: this.app, registry: this.registry, bus, keyStore, connections, clock, log: this.log });
    }
  }

  static async create(config: GatewayConfig, overrides: GatewayOverrides = {}): Promise<Gateway> {
    const infrastructure = await createInfrastructure(config, overrides);
    return new Gateway(config, infrastructure, overrides);
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
    });
    registerNotFound(this.app);
    await this.engine?.start();
    this.boundPort = await this.listen();
    return this.boundPort;
  }

  readiness(): HealthReport {
    const parts = [this.engine?.readiness(), this.edge?.readiness()].filter((part): part is HealthReport => part !== undefined);
    const reasons = [...new Set(parts.flatMap((part) => part.reasons))];
    if (this.listenSocket === undefined) reasons.push('not listening');
    return { ok: reasons.length === 0, reasons, details: Object.assign({ roles: [...this.config.roles] }, ...parts.map((part) => part.details ?? {})) };
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

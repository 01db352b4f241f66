import {
  AuthAttemptLimiter,
  MemoryConnectionRegistry,
  MemoryKeyStore,
  type AuthAttemptLimiterOptions,
  type MemoryConnectionRegistryOptions,
  type Plan,
} from '@mdg/auth';
import { candleStream, MemoryMarketBus, preciseNow, type Envelope } from '@mdg/bus';
import { Hub, type DeliveryObserver } from '@mdg/edge';
import { SIMULATED_TOKENS } from '@mdg/feeds';
import type { HistoryService } from '@mdg/history';
import { bucketStart, InstrumentRegistry, type CandleUpdate, type TokenInstrument } from '@mdg/model';
import { App, us_listen_socket_close, us_socket_local_port, type TemplatedApp, type us_listen_socket } from 'uWebSockets.js';
import { ChartLiveEndpoint } from '../chart-live-endpoint';
import type { ChartLiveOptions } from '../chart-live-options';
import { TestClient } from './test-client';

export interface ChartLiveHarnessSetup {
  options?: ChartLiveOptions;
  /** Envelopes the hub keeps per stream (its `since` window). Default: the Hub's default. */
  hubRecentLimit?: number;
  authLimiter?: AuthAttemptLimiterOptions;
  connections?: MemoryConnectionRegistryOptions;
  observer?: DeliveryObserver;
  /** Serves the history/since extension. Default: none (such subscriptions are refused). */
  history?: HistoryService;
}

/** Candle fields a spec may fix; the rest get plausible values. */
export interface CandleSpec {
  closed?: boolean;
  /** Bucket index from the harness's base time; default: the stream's current bucket. */
  bucket?: number;
  close?: number;
  epoch?: number;
}

/** 2025-04-30T15:16:00Z, PROTOCOL.md's example bucket. */
const BASE_TIME = 1746026160000;

/**
 * A real uWS app on 127.0.0.1, port 0, with a ChartLiveEndpoint wired to in-memory
 * collaborators (bus, hub, key store, connection registry) and the simulated tokens.
 * `close()` closes every client, the endpoint, the listen socket and the collaborators.
 */
export class ChartLiveHarness {
  readonly bus = new MemoryMarketBus();
  readonly hub: Hub;
  readonly registry = new InstrumentRegistry(SIMULATED_TOKENS);
  readonly keyStore = new MemoryKeyStore();
  readonly connections: MemoryConnectionRegistry;
  readonly authLimiter: AuthAttemptLimiter;
  readonly app: TemplatedApp = App();
  readonly endpoint: ChartLiveEndpoint;
  /** Background errors the endpoint reported. */
  readonly errors: Error[] = [];
  private readonly clients = new Set<TestClient>();
  private readonly seqs = new Map<string, number>();
  private readonly buckets = new Map<string, number>();
  private listenSocket: us_listen_socket | undefined;
  private portNumber = 0;

  private constructor(setup: ChartLiveHarnessSetup) {
    this.hub = new Hub(this.bus, setup.hubRecentLimit);
    this.connections = new MemoryConnectionRegistry(setup.connections);
    this.authLimiter = new AuthAttemptLimiter(setup.authLimiter);
    this.endpoint = new ChartLiveEndpoint({
      app: this.app,
      hub: this.hub,
      registry: this.registry,
      keyStore: this.keyStore,
      connections: this.connections,
      authLimiter: this.authLimiter,
      options: setup.options,
      onError: (error) => this.errors.push(error),
      observer: setup.observer,
      history: setup.history,
    });
  }

  static async start(setup: ChartLiveHarnessSetup = {}): Promise<ChartLiveHarness> {
    const harness = new ChartLiveHarness(setup);
    harness.endpoint.start();
    await new Promise<void>((resolve, reject) => {
      harness.app.listen('127.0.0.1', 0, (socket) => {
        if (socket === false) {
          reject(new Error('uWS could not listen on 127.0.0.1:0'));
          return;
        }
        harness.listenSocket = socket;
        harness.portNumber = us_socket_local_port(socket);
        resolve();
      });
    });
    return harness;
  }

  get port(): number {
    return this.portNumber;
  }

  url(query = ''): string {
    return `ws://127.0.0.1:${this.port}/ws/chart-live${query}`;
  }

  /** A new key (returned whole, once) for a user on `plan`. */
  async createKey(plan: Plan = 'free', userId = `user-${plan}`): Promise<string> {
    return (await this.keyStore.create({ userId, plan })).apiKey;
  }

  /** Connects with the key in the `x-api-key` header (no header when undefined). */
  async connect(apiKey: string | undefined, query = ''): Promise<TestClient> {
    const client = await TestClient.open(this.url(query), apiKey === undefined ? {} : { 'x-api-key': apiKey });
    this.clients.add(client);
    return client;
  }

  /** Connects with a fresh free key and reads the `connected` message. */
  async connectReady(apiKey?: string): Promise<TestClient> {
    const client = await this.connect(apiKey ?? (await this.createKey()));
    const first = (await client.nextJson()) as { type?: unknown };
    if (first.type !== 'connected') throw new Error(`expected the connected message, got ${JSON.stringify(first)}`);
    return client;
  }

  token(index = 0): TokenInstrument {
    const token = this.registry.tokens()[index];
    if (token === undefined) throw new Error(`no simulated token #${index}`);
    return token;
  }

  /** Publishes the next envelope (seq 1, 2, 3, … per stream) of a candle stream on the bus. */
  publish(token: TokenInstrument, timeframe: number, spec: CandleSpec = {}): Envelope<CandleUpdate> {
    const stream = candleStream(token.id, timeframe);
    const seq = (this.seqs.get(stream) ?? 0) + 1;
    this.seqs.set(stream, seq);
    const bucket = spec.bucket ?? this.buckets.get(stream) ?? 0;
    // A final closes its bucket: the next envelope opens the following one.
    this.buckets.set(stream, spec.closed ? bucket + 1 : bucket);
    const time = bucketStart(BASE_TIME + bucket * timeframe * 1000 + 1234, timeframe);
    const close = spec.close ?? 0.0000866 + seq * 1e-9;
    const now = preciseNow();
    const envelope: Envelope<CandleUpdate> = {
      stream,
      epoch: spec.epoch ?? 1,
      seq,
      payload: {
        instrument: token.id,
        timeframe,
        candle: {
          time,
          open: 0.0000936,
          high: Math.max(0.0000936, close),
          low: Math.min(0.0000854, close),
          close,
          volume: 2667017166926 + seq,
          volumeUsd: 233.23,
          trades: 6,
          buys: 3,
          sells: 3,
        },
        closed: spec.closed ?? false,
      },
      acceptedAt: now,
      publishedAt: now,
    };
    this.bus.publish(envelope);
    return envelope;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients].map((client) => client.close()));
    await this.endpoint.close();
    if (this.listenSocket !== undefined) us_listen_socket_close(this.listenSocket);
    this.listenSocket = undefined;
    await this.connections.close();
    await this.keyStore.close();
    await this.bus.close();
  }
}

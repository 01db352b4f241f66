import { preciseNow, type Envelope } from '@mdg/bus';
import type { DeliveryObserver, EdgeProtocol, HubObserver } from '@mdg/edge';
import { InvalidConfigError } from '@mdg/model';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { EDGE_METRICS } from './edge-metrics';
import { ENGINE_METRICS } from './engine-metrics';
import { INFRASTRUCTURE_METRICS } from './infrastructure-metrics';
import { JOB_METRICS } from './jobs-metrics';
import { METRIC_SOURCE_NAMES, type MetricSourceName, type MetricSources, type SourceSnapshot } from './metric-sources';
import { registerSampledMetric, type SampledMetric, type ScrapeReadings } from './sampled-metric';

/** The roles a gateway process can run (the worker role arrives with the BullMQ jobs). */
export type NodeRole = 'engine' | 'edge' | 'worker';

export const NODE_ROLES: readonly NodeRole[] = ['engine', 'edge', 'worker'];

export interface GatewayMetricsOptions {
  /** Roles this process runs: one `mdg_node_role{role}` series each, for dashboards and alerts to group by. Default: none. */
  roles?: readonly NodeRole[];
  /** Node.js default metrics (event loop lag, heap, GC, CPU, file descriptors) under their standard names. Default true. */
  defaultMetrics?: boolean;
  /** Upper bounds (seconds) of `mdg_tick_to_wire_seconds`. Default TICK_TO_WIRE_BUCKETS. */
  tickToWireBuckets?: readonly number[];
  /** Upper bounds (seconds) of `mdg_bus_lag_seconds`. Default BUS_LAG_BUCKETS. */
  busLagBuckets?: readonly number[];
  /** Upper bounds (seconds) of `mdg_job_latency_seconds`. Default JOB_LATENCY_BUCKETS. */
  jobLatencyBuckets?: readonly number[];
  /** How long a scrape waits for an async source (`jobQueue`: a Redis round trip) before reading it as unknown. Default 2000 ms. */
  sourceTimeoutMs?: number;
  /** Wall-clock ms with sub-ms precision, the clock of `envelope.acceptedAt`/`publishedAt`. Default: `preciseNow` of @mdg/bus. */
  now?: () => number;
  /** A source getter that threw, or a sample that cannot be one. Default: a process warning. */
  onError?: (error: Error) => void;
}

/**
 * Tick-to-wire includes the engine's coalescing interval (100 ms by default: an update carries
 * the oldest trade it folds in), so the buckets are dense from 50 to 250 ms.
 */
export const TICK_TO_WIRE_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5];

/** Bus lag is sub-millisecond in one process and a few ms across Redis. */
export const BUS_LAG_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Job latency runs from the producer's add to the candles written: tens of ms when the worker
 * keeps up, minutes behind a backlog, up to an hour for a job retried through its backoff.
 */
export const JOB_LATENCY_BUCKETS: readonly number[] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Observations the worker role reports (CandleWorker's `onJobCompleted`). */
export interface JobObserver {
  /** One completed persist job: milliseconds from its enqueue to its candles written. */
  observeJobLatency(latencyMs: number): void;
}

const ALL_METRICS: readonly SampledMetric[] = [...EDGE_METRICS, ...ENGINE_METRICS, ...INFRASTRUCTURE_METRICS, ...JOB_METRICS];

const PROTOCOL_SOURCES: Readonly<Partial<Record<MetricSourceName, EdgeProtocol>>> = { socketio: 'socketio', chartLive: 'chart-live' };

/**
 * Prometheus metrics of one gateway process, on a Registry of its own (never prom-client's
 * global one, so several instances, or other libraries' metrics, never collide).
 *
 * Two kinds of metrics:
 * - Counters and gauges mirrored from the components' own cumulative `stats()`: the app
 *   passes getters to `track()`, they are read once per scrape, nothing is counted twice and
 *   nothing runs on the hot path (see registerSampledMetric). A getter may be async where the
 *   numbers live in Redis (`jobQueue`: BullMQ job counts): the scrape awaits it, bounded by
 *   `sourceTimeoutMs`, rather than the app polling Redis on a timer and serving stale counts.
 * - Histograms that need one observation per event: `observer` is handed to the adapters
 *   (`DeliveryObserver`: tick-to-wire per protocol), to the Hub (`HubObserver`: bus lag) and
 *   to the CandleWorker (`observeJobLatency` as its `onJobCompleted`: job latency).
 *
 * Labels come only from small fixed sets (protocol, event, reason, state, timeframe, role,
 * client): never user ids, keys, tokens or symbols.
 *
 * With `defaultMetrics` (the default), prom-client installs a GC observer and an event-loop
 * delay monitor that cannot be removed again: create one instance per process.
 */
export class GatewayMetrics {
  /**
   * Hand it to SocketIoPriceGateway / ChartLiveEndpoint (`observer`) and to the Hub (third
   * constructor argument); the worker role passes `observeJobLatency` as CandleWorker's
   * `onJobCompleted`.
   */
  readonly observer: DeliveryObserver & HubObserver & JobObserver;
  private readonly registry = new Registry();
  private readonly sources: MetricSources = {};
  private readonly registered = new Set<string>();
  private readonly histogramsRegistered = new Set<Histogram<string>>();
  private readonly tickToWire: Histogram<'protocol'>;
  private readonly busLag: Histogram;
  private readonly jobLatency: Histogram;
  private readonly sourceTimeoutMs: number;
  private readonly now: () => number;
  private readonly onError: (error: Error) => void;
  private hubLastReceivedAtMs = 0;
  private readings: ScrapeReadings = { sources: {}, hubLastReceivedAtMs: 0 };

  constructor(options: GatewayMetricsOptions = {}) {
    const problems: string[] = [];
    const roles = options.roles ?? [];
    for (const role of roles) if (!NODE_ROLES.includes(role)) problems.push(`roles: unknown role ${JSON.stringify(role)} (${NODE_ROLES.join(', ')})`);
    const tickToWireBuckets = options.tickToWireBuckets ?? TICK_TO_WIRE_BUCKETS;
    const busLagBuckets = options.busLagBuckets ?? BUS_LAG_BUCKETS;
    const jobLatencyBuckets = options.jobLatencyBuckets ?? JOB_LATENCY_BUCKETS;
    this.sourceTimeoutMs = options.sourceTimeoutMs ?? 2000;
    if (!Number.isSafeInteger(this.sourceTimeoutMs) || this.sourceTimeoutMs < 1)
      problems.push(`sourceTimeoutMs must be a positive integer of ms, got ${String(this.sourceTimeoutMs)}`);
    for (const [name, buckets] of [
      ['tickToWireBuckets', tickToWireBuckets],
      ['busLagBuckets', busLagBuckets],
      ['jobLatencyBuckets', jobLatencyBuckets],
    ] as const) {
      if (buckets.length === 0 || buckets.some((bound, index) => !(bound > 0) || !Number.isFinite(bound) || (index > 0 && bound <= buckets[index - 1]!))) {
        problems.push(`${name} must be increasing positive finite numbers of seconds`);
      }
    }
    if (problems.length > 0) throw new InvalidConfigError(problems);
    this.now = options.now ?? preciseNow;
    this.onError = options.onError ?? ((error) => process.emitWarning(error.message, 'GatewayMetrics'));

    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    if (roles.length > 0) {
      const role = new Gauge({ name: 'mdg_node_role', help: 'The roles this process runs (1 per role).', labelNames: ['role'], registers: [this.registry] });
      for (const name of new Set(roles)) role.set({ role: name }, 1);
    }
    this.tickToWire = new Histogram({
      name: 'mdg_tick_to_wire_seconds',
      help: 'From the engine accepting the oldest trade folded into an update to the update being handed to client sockets, per protocol (one observation per update, whatever the number of recipients; includes the coalescing interval).',
      labelNames: ['protocol'],
      buckets: [...tickToWireBuckets],
      // Registered once a protocol is tracked: an engine-only node exports no edge metrics.
      registers: [],
    });
    this.busLag = new Histogram({
      name: 'mdg_bus_lag_seconds',
      help: 'From the engine publishing an envelope to this edge receiving it from the bus (across machines, only as good as their clock sync).',
      buckets: [...busLagBuckets],
      // Registered once the hub is tracked.
      registers: [],
    });
    this.jobLatency = new Histogram({
      name: 'mdg_job_latency_seconds',
      help: 'From a candle persist job being added to the queue (by the engine) to its candles being written by this worker, retries and backoff included (across machines, only as good as their clock sync).',
      buckets: [...jobLatencyBuckets],
      // Registered once the candle worker is tracked.
      registers: [],
    });
    this.observer = {
      // Recipients and bytes are already in the adapters' stats (mdg_messages_sent_total, mdg_sent_bytes_total): only the timing is new here.
      onDelivered: (protocol, envelope) => this.tickToWire.observe({ protocol }, this.secondsSince(envelope.acceptedAt)),
      onReceived: (envelope) => this.received(envelope),
      observeJobLatency: (latencyMs) => this.jobLatency.observe(Math.max(0, latencyMs) / 1000),
    };
  }

  /**
   * Starts mirroring the given components (see MetricSources). May be called several times
   * (say, once by the engine role and once by the edge role), each time with sources not
   * tracked yet. Returns a function that stops tracking these sources; their metrics stay
   * registered, without series (labelled) or at 0.
   */
  track(sources: MetricSources): () => void {
    const names = METRIC_SOURCE_NAMES.filter((name) => sources[name] !== undefined);
    const taken = names.filter((name) => this.sources[name] !== undefined);
    if (taken.length > 0) throw new Error(`GatewayMetrics.track: ${taken.join(', ')} already tracked`);
    const assigned = this.sources as Record<MetricSourceName, unknown>;
    for (const name of names) assigned[name] = sources[name];
    if (names.includes('hub')) {
      if (this.hubLastReceivedAtMs === 0) this.hubLastReceivedAtMs = this.now();
      this.registerOnce(this.busLag);
    }
    if (names.includes('candleWorker')) this.registerOnce(this.jobLatency);
    for (const metric of ALL_METRICS) {
      if (this.registered.has(metric.name) || !metric.sources.some((source) => names.includes(source))) continue;
      registerSampledMetric(this.registry, metric, () => this.readings, this.onError);
      this.registered.add(metric.name);
    }
    for (const name of names) {
      const protocol = PROTOCOL_SOURCES[name];
      // Series exist from the start, so rate() and histogram_quantile() work from the first update.
      if (protocol === undefined) continue;
      this.registerOnce(this.tickToWire);
      this.tickToWire.zero({ protocol });
    }
    return () => {
      for (const name of names) if (assigned[name] === sources[name]) delete assigned[name];
    };
  }

  /** GET /metrics: the Prometheus text format (matches libs/http's `metrics` handler). */
  async render(): Promise<{ contentType: string; body: string }> {
    const sources = await this.readSources();
    // Set right before metrics(), whose collect() calls read it synchronously: a concurrent
    // scrape still waiting for its async sources cannot swap the readings under this one.
    this.readings = { sources, hubLastReceivedAtMs: this.hubLastReceivedAtMs };
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Every getter called once per scrape, so a component's numbers are consistent across its
   * metrics. Sync getters are read at once; async ones (a Redis round trip) are awaited
   * together, each bounded by `sourceTimeoutMs` so a hung Redis never stalls the scrape.
   */
  private async readSources(): Promise<SourceSnapshot> {
    const snapshot: Record<string, unknown> = {};
    const pending: Promise<void>[] = [];
    for (const name of METRIC_SOURCE_NAMES) {
      const getter = this.sources[name];
      if (getter === undefined) continue;
      try {
        const value: unknown = getter();
        snapshot[name] = undefined;
        if (value instanceof Promise) pending.push(this.awaitSource(name, value).then((settled) => void (snapshot[name] = settled)));
        else snapshot[name] = value;
      } catch (error) {
        // Tracked but unreadable: its metrics read as inactive (0) for this scrape.
        snapshot[name] = undefined;
        this.readFailed(name, error);
      }
    }
    await Promise.all(pending);
    return snapshot;
  }

  /** The source's value, or undefined (reported) when it rejects or does not answer in time. */
  private async awaitSource(name: MetricSourceName, value: Promise<unknown>): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.sourceTimeoutMs} ms`)), this.sourceTimeoutMs);
    });
    try {
      // A late answer (or rejection) of `value` is settled by the race and ignored.
      return await Promise.race([value, timeout]);
    } catch (error) {
      this.readFailed(name, error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private readFailed(name: MetricSourceName, error: unknown): void {
    this.onError(new Error(`metrics: reading ${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
  }

  private registerOnce(metric: Histogram<string>): void {
    if (!this.histogramsRegistered.has(metric)) this.registry.registerMetric(metric);
    this.histogramsRegistered.add(metric);
  }

  private received(envelope: Envelope): void {
    const now = this.now();
    this.hubLastReceivedAtMs = now;
    this.busLag.observe(Math.max(0, now - envelope.publishedAt) / 1000);
  }

  /** Clocks of two machines may disagree by a little: a negative span counts as 0. */
  private secondsSince(wallMs: number): number {
    return Math.max(0, this.now() - wallMs) / 1000;
  }
}

import type { HubStats } from '@mdg/edge';
import type { MarketEngineStats } from '@mdg/engine';
import type { FeedState, FeedStats } from '@mdg/feeds';
import type { ClosedCandleQueueStats } from '@mdg/history';
import type { PipelineStats } from '@mdg/pipeline';
import type {
  BusStatsReading,
  CandleWorkerStatsReading,
  ChartLiveStatsReading,
  JobCountsReading,
  RegistryStatsReading,
  SocketIoStatsReading,
  VenueFeedStatsReading,
} from './stats-readings';

/** The market bus as metrics see it: any bus has a state; the Redis bus also has counters. */
export interface BusSample {
  connected: boolean;
  stats?: BusStatsReading;
}

/** The engine's feed: its state, and whatever counters its implementation keeps (venue and failover feeds keep more). */
export interface FeedSample {
  state: FeedState;
  stats?: Partial<FeedStats & VenueFeedStatsReading>;
}

/** Engine ownership (scale-out mode): is this node the active engine, under which fencing epoch. */
export interface EngineOwnershipSample {
  owner: boolean;
  /** The epoch this node publishes with while owner; undefined on a standby. */
  epoch: number | undefined;
  /** Times this node became the owner since it started. */
  takeovers?: number;
}

/** `RedisKeyStore.stats()`: only its connection errors become a metric. */
export interface KeyStoreSample {
  connectionErrors: number;
}

/**
 * Read at scrape time. Undefined means "tracked but not active right now" (a standby engine
 * has no MarketEngine): its counters then read 0, which Prometheus treats as a counter reset.
 */
export type MetricGetter<T> = () => T | undefined;

/**
 * A getter that may have to ask another process (BullMQ job counts live in Redis). The scrape
 * waits for it up to `sourceTimeoutMs` (GatewayMetricsOptions); a rejection or no answer in
 * time reads as undefined for that scrape (its gauges then have no series rather than a
 * false 0) and is reported through onError. Only sources whose metrics tolerate a missing
 * reading are async: counters stay sync getters of in-process totals, so a slow Redis never
 * turns them into counter resets.
 */
export type AsyncMetricGetter<T> = () => T | undefined | Promise<T | undefined>;

/**
 * What a process passes to `GatewayMetrics.track()`: a getter per component it runs, each
 * returning that component's cumulative `stats()` (or a small sample). Only the metrics of
 * tracked sources appear in `/metrics`, so an engine-only node shows no connection metrics
 * and an edge-only node no engine metrics. Getters are called once per scrape.
 *
 * Components that are replaced while the process runs (a new MarketEngine and MarketPipeline
 * at every engine promotion) restart their counters at 0: `rate()` and `increase()` handle
 * that as a counter reset.
 */
export interface MetricSources {
  /** `SocketIoPriceGateway.stats()` (/api-ws). */
  socketio?: MetricGetter<SocketIoStatsReading>;
  /** `ChartLiveEndpoint.stats()` (/ws/chart-live). */
  chartLive?: MetricGetter<ChartLiveStatsReading>;
  /** `Hub.stats()` of the edge. */
  hub?: MetricGetter<HubStats>;
  /** `MarketEngine.stats()` of the active engine. */
  engine?: MetricGetter<MarketEngineStats>;
  /** `MarketPipeline.stats()` of the active engine. */
  pipeline?: MetricGetter<PipelineStats>;
  bus?: MetricGetter<BusSample>;
  /** `RedisConnectionRegistry.stats()`. */
  registry?: MetricGetter<RegistryStatsReading>;
  /** `RedisKeyStore.stats()`. */
  keyStore?: MetricGetter<KeyStoreSample>;
  /** The active engine's feed. */
  feed?: MetricGetter<FeedSample>;
  engineOwnership?: MetricGetter<EngineOwnershipSample>;
  /** `ClosedCandleQueue.stats()` of the engine (BullClosedCandleQueue, or StoreClosedCandleQueue when embedded). */
  candleQueue?: MetricGetter<ClosedCandleQueueStats>;
  /** `CandleWorker.stats()` of the worker role; also registers `mdg_job_latency_seconds` (fed by `observer.observeJobLatency`). */
  candleWorker?: MetricGetter<CandleWorkerStatsReading>;
  /** `CandleWorker.jobCounts()`: the queue's jobs by state, read from Redis at scrape time (the same on every worker of the queue). */
  jobQueue?: AsyncMetricGetter<JobCountsReading>;
}

export type MetricSourceName = keyof MetricSources;

export const METRIC_SOURCE_NAMES: readonly MetricSourceName[] = [
  'socketio',
  'chartLive',
  'hub',
  'engine',
  'pipeline',
  'bus',
  'registry',
  'keyStore',
  'feed',
  'engineOwnership',
  'candleQueue',
  'candleWorker',
  'jobQueue',
];

/** One scrape's reading of every tracked source (undefined: tracked but inactive, or its getter failed). */
export type SourceSnapshot = {
  [K in MetricSourceName]?: Awaited<ReturnType<NonNullable<MetricSources[K]>>>;
};

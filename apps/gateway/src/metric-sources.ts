import type { FeedStats } from '@mdg/feeds';
import type { MetricSources } from '@mdg/metrics';
import { RedisConnectionRegistry, RedisKeyStore, RedisMarketBus } from '@mdg/redis';
import type { EdgeNode } from './edge-node';
import type { EngineNode } from './engine-node';
import type { HistoryInfrastructure } from './history-infrastructure';
import type { Infrastructure } from './infrastructure';

/** What this process exposes on /metrics: a getter per component of the roles it runs. */
export function metricSources(
  infrastructure: Infrastructure,
  history: HistoryInfrastructure,
  engine: EngineNode | undefined,
  edge: EdgeNode | undefined,
): MetricSources {
  const { bus, connections, keyStore } = infrastructure;
  const sources: MetricSources = {
    bus: () => ({ connected: bus.state() === 'connected', stats: bus instanceof RedisMarketBus ? bus.stats() : undefined }),
  };
  if (connections instanceof RedisConnectionRegistry) sources.registry = () => connections.stats();
  if (keyStore instanceof RedisKeyStore) sources.keyStore = () => keyStore.stats();
  if (engine) {
    sources.engine = () => engine.current()?.stats();
    sources.pipeline = () => engine.pipeline()?.stats();
    sources.feed = () => {
      const feed = engine.feed();
      if (feed === undefined) return undefined;
      // Every feed implementation keeps stats(); the Feed port does not promise it.
      const withStats = feed as { stats?: () => Partial<FeedStats> };
      return { state: feed.state(), stats: withStats.stats?.() };
    };
    sources.engineOwnership = () => {
      const status = engine.status();
      return { owner: status.role === 'owner', epoch: status.epoch, takeovers: status.takeovers };
    };
  }
  const { queue, worker } = history;
  if (engine && queue) sources.candleQueue = () => queue.stats();
  if (worker) {
    sources.candleWorker = () => worker.stats();
    sources.jobQueue = () => worker.jobCounts();
  }
  if (edge) {
    sources.socketio = () => edge.prices.stats();
    sources.chartLive = () => edge.charts.stats();
    sources.hub = () => edge.hub.stats();
  }
  return sources;
}

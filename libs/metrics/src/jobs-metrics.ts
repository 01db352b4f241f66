import type { ClosedCandleQueueStats } from '@mdg/history';
import type { CandleWorkerStatsReading, JobCountsReading } from './stats-readings';
import type { SampledMetric } from './sampled-metric';

/** Every state always has a series while the counts are known, so a backlog alert sees 0 rather than nothing. */
const JOB_STATES: readonly (keyof JobCountsReading)[] = ['waiting', 'active', 'delayed', 'failed'];

function candleQueueMetric(type: 'counter' | 'gauge', name: string, help: string, field: keyof ClosedCandleQueueStats): SampledMetric {
  return { type, name, help, sources: ['candleQueue'], samples: (readings, push) => push(readings.sources.candleQueue?.[field] ?? 0) };
}

function candleWorkerCounter(name: string, help: string, field: keyof CandleWorkerStatsReading): SampledMetric {
  return { type: 'counter', name, help, sources: ['candleWorker'], samples: (readings, push) => push(readings.sources.candleWorker?.[field] ?? 0) };
}

/**
 * Candle persistence: the engine's hand-over of final candles (its ClosedCandleQueue) and the
 * worker role (BullMQ jobs into the candle store, retention). `mdg_job_latency_seconds` is a
 * histogram fed by `GatewayMetrics.observer.observeJobLatency`, not a sampled metric.
 */
export const JOB_METRICS: readonly SampledMetric[] = [
  candleQueueMetric('counter', 'mdg_candle_queue_enqueued_total', 'Final candles the engine handed to its candle queue for persistence.', 'enqueued'),
  candleQueueMetric(
    'counter',
    'mdg_candle_queue_delivered_total',
    'Final candles handed on: accepted by Redis as part of a BullMQ job (scale-out), or written to the store (embedded).',
    'delivered',
  ),
  candleQueueMetric(
    'counter',
    'mdg_candle_queue_dropped_total',
    'Final candles discarded (buffer full while Redis or the store was unreachable, or left over at close): holes in history.',
    'dropped',
  ),
  candleQueueMetric('counter', 'mdg_candle_queue_failures_total', 'Failed hand-over attempts of the candle queue (each retried with backoff).', 'failures'),
  candleQueueMetric(
    'gauge',
    'mdg_candle_queue_buffered',
    'Final candles waiting in the engine memory: Redis or the store is unreachable or slow, or a batch is in flight.',
    'buffered',
  ),
  candleWorkerCounter('mdg_jobs_completed_total', 'Candle persist jobs this worker completed.', 'jobs'),
  candleWorkerCounter(
    'mdg_job_failures_total',
    'Job attempts that failed on this worker (BullMQ retries them with backoff until their attempts run out).',
    'failedAttempts',
  ),
  candleWorkerCounter(
    'mdg_candles_persisted_total',
    'Final candles written to the candle store by completed jobs (a retried job counts once per successful run).',
    'candles',
  ),
  candleWorkerCounter('mdg_retention_runs_total', 'Retention runs this worker completed.', 'prunes'),
  candleWorkerCounter('mdg_retention_pruned_total', 'Candles removed from the store by retention runs.', 'pruned'),
  {
    type: 'gauge',
    name: 'mdg_job_queue_depth',
    help: 'Jobs of the candle queue by state (waiting, active, delayed, failed), read from Redis at scrape time; the same on every worker. No series while Redis does not answer.',
    labelNames: ['state'],
    sources: ['jobQueue'],
    samples: (readings, push) => {
      const counts = readings.sources.jobQueue;
      // Unknown is not 0: a false 0 would hide a backlog exactly when Redis struggles.
      if (counts === undefined) return;
      for (const state of JOB_STATES) push(counts[state], { state });
    },
  },
];

import { Counter, Gauge, type Registry } from 'prom-client';
import type { MetricSourceName, SourceSnapshot } from './metric-sources';

/** Label names a metric may carry: small fixed sets only (never ids, keys, symbols or tokens). */
export type MetricLabel = 'protocol' | 'event' | 'reason' | 'role' | 'timeframe' | 'state' | 'client' | 'path';

export type MetricLabels = Partial<Record<MetricLabel, string>>;

/** Everything one scrape reads: the tracked sources, and what the observers recorded. */
export interface ScrapeReadings {
  readonly sources: SourceSnapshot;
  /** Wall ms of the last envelope the Hub received (the time the hub was tracked until then). */
  readonly hubLastReceivedAtMs: number;
}

export type PushSample = (value: number, labels?: MetricLabels) => void;

/**
 * A counter or gauge whose values are read from the components' own cumulative stats at
 * scrape time, instead of being incremented on the hot path.
 */
export interface SampledMetric {
  readonly type: 'counter' | 'gauge';
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly MetricLabel[];
  /** Registered once any of these sources is tracked. */
  readonly sources: readonly MetricSourceName[];
  /** Pushes the current value of every series; a counter's pushes with equal labels add up. */
  samples(readings: ScrapeReadings, push: PushSample): void;
}

/**
 * Registers `metric` on `registry`, its collect() filling it from `read()` at every scrape.
 *
 * Why a prom-client Counter whose collect() does reset() + inc(value): prom-client's Counter
 * has no set(), and the components already keep monotonic totals, so the counter only has
 * to mirror them. reset() + inc() inside collect() uses nothing but the public API, keeps
 * the `counter` TYPE line (so rate()/increase() and dashboards treat it as one), and the
 * values never go through an increment on the hot path. A source that restarts at 0 (a
 * new engine after a takeover) shows as a counter reset, which Prometheus handles.
 *
 * A value that cannot be a sample (NaN, or negative for a counter) is skipped and reported:
 * throwing inside collect() would fail the whole scrape.
 */
export function registerSampledMetric(registry: Registry, metric: SampledMetric, read: () => ScrapeReadings, onError: (error: Error) => void): void {
  const labelNames = [...(metric.labelNames ?? [])];
  const invalid = (value: number, labels: MetricLabels | undefined): boolean => {
    if (Number.isFinite(value) && (metric.type === 'gauge' || value >= 0)) return false;
    onError(new Error(`metrics: ${metric.name}${labels ? JSON.stringify(labels) : ''} read ${value}; sample skipped`));
    return true;
  };
  if (metric.type === 'counter') {
    new Counter<MetricLabel>({
      name: metric.name,
      help: metric.help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        metric.samples(read(), (value, labels) => {
          if (invalid(value, labels)) return;
          if (labels === undefined) this.inc(value);
          else this.inc(labels, value);
        });
      },
    });
    return;
  }
  new Gauge<MetricLabel>({
    name: metric.name,
    help: metric.help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      metric.samples(read(), (value, labels) => {
        if (invalid(value, labels)) return;
        if (labels === undefined) this.set(value);
        else this.set(labels, value);
      });
    },
  });
}

/** True when the source is tracked (its value may still be undefined: inactive right now). */
export function tracked(sources: SourceSnapshot, name: MetricSourceName): boolean {
  return Object.prototype.hasOwnProperty.call(sources, name);
}

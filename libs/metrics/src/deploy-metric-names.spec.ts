import { MemoryCandleStore } from '@mdg/history';
import { BullClosedCandleQueue, CandleWorker } from '@mdg/jobs';
import { RedisConnectionRegistry, RedisKeyStore, RedisMarketBus } from '@mdg/redis';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { linkedFinals } from '@mdg/history/testing';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { GatewayMetrics } from './gateway-metrics';
import { GatewayStack } from './testing/gateway-stack';
import { Scrape } from './testing/scrape';

const DEPLOY = path.resolve(__dirname, '../../../deploy');

/** Metric names in a PromQL expression: ours, and the Node.js default metrics. */
const METRIC_NAME = /\b(?:mdg|nodejs|process)_[a-z0-9_]+\b/g;

function namesIn(expression: string): string[] {
  return [...expression.matchAll(METRIC_NAME)].map((match) => match[0]);
}

/** Every metric name the deploy files query, with where it is used. */
function namesUsedInDeploy(): Map<string, string> {
  const used = new Map<string, string>();
  const add = (where: string, expression: string): void => {
    for (const name of namesIn(expression)) if (!used.has(name)) used.set(name, where);
  };
  const alerts = parse(readFileSync(path.join(DEPLOY, 'prometheus/alerts.yml'), 'utf8'));
  for (const group of alerts.groups) for (const rule of group.rules) add(`alert ${rule.alert}`, rule.expr);
  const alertTests = parse(readFileSync(path.join(DEPLOY, 'prometheus/alerts.test.yml'), 'utf8'));
  for (const test of alertTests.tests) for (const series of test.input_series) add(`alert test "${test.name}"`, series.series);
  const dashboard = JSON.parse(readFileSync(path.join(DEPLOY, 'grafana/dashboards/mdg.json'), 'utf8'));
  for (const panel of dashboard.panels) for (const target of panel.targets ?? []) add(`panel "${panel.title}"`, target.expr);
  for (const annotation of dashboard.annotations.list) if (annotation.expr) add(`annotation "${annotation.name}"`, annotation.expr);
  return used;
}

/** The family a series name belongs to, when it is a histogram's series. */
function family(name: string, families: ReadonlyMap<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && families.get(base) === 'histogram' ? base : name;
}

describe('every metric name used in deploy/ (dashboard, alert rules, alert tests) exists in /metrics of running gateways', () => {
  let server: RedisServerHandle;
  let stack: GatewayStack;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await stack?.close();
    await server.stop();
  });

  it('finds each one, with at least one series', async () => {
    // A whole embedded gateway (both roles, every protocol), traffic included...
    stack = await GatewayStack.start();
    stack.feed.trade(stack.trade('BTC'));
    stack.pipeline.publishPrices();
    // ...and the Redis-backed components of the scale-out mode, with the Node.js default metrics.
    const keyPrefix = uniquePrefix('deploy-names');
    const bus = await RedisMarketBus.connect({ connection: server.url, keyPrefix });
    closers.push(() => bus.close());
    const registry = await RedisConnectionRegistry.connect({ connection: server.url, keyPrefix });
    closers.push(() => registry.close());
    const keyStore = await RedisKeyStore.open({ connection: server.url, keyPrefix });
    closers.push(() => keyStore.close());
    const redisMode = new GatewayMetrics({ roles: ['edge'] });
    redisMode.track({
      bus: () => ({ connected: bus.state() === 'connected', stats: bus.stats() }),
      registry: () => registry.stats(),
      keyStore: () => keyStore.stats(),
    });

    // ...and candle persistence over BullMQ: the engine's candle queue, a worker that ran a job.
    const queueNames = { prefix: uniquePrefix('deploy-names-bull').slice(0, -1), queueName: 'candles' };
    const candleQueue = new BullClosedCandleQueue({ connection: server.url, ...queueNames });
    closers.push(() => candleQueue.close());
    const jobsMode = new GatewayMetrics({ roles: ['engine', 'worker'], defaultMetrics: false });
    const store = new MemoryCandleStore();
    const worker = await CandleWorker.start({
      connection: server.url,
      ...queueNames,
      store,
      retentionEveryMs: false,
      onJobCompleted: (latencyMs) => jobsMode.observer.observeJobLatency(latencyMs),
    });
    closers.push(() => worker.close());
    jobsMode.track({ candleQueue: () => candleQueue.stats(), candleWorker: () => worker.stats(), jobQueue: () => worker.jobCounts() });
    const [final] = linkedFinals('BTC', 1, [Date.UTC(2025, 0, 1)]);
    candleQueue.enqueue([{ instrument: final!.instrument, timeframe: 1, candle: final!.candle, closed: true }]);
    await eventually(async () => new Scrape((await jobsMode.render()).body).value('mdg_job_latency_seconds_count') === 1, {
      timeoutMs: 10_000,
      what: 'a persist job completed',
    });

    // GC durations have series once a collection happened: make garbage until one did.
    let redisScrape = new Scrape((await redisMode.render()).body);
    for (let round = 0; redisScrape.series('nodejs_gc_duration_seconds_count').length === 0; round += 1) {
      if (round > 200) throw new Error('no garbage collection observed');
      Array.from({ length: 10_000 }, (_, index) => [index, index + 1]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      redisScrape = new Scrape((await redisMode.render()).body);
    }
    const scrapes = [await stack.scrape(), redisScrape, new Scrape((await jobsMode.render()).body)];
    const families = new Map<string, string>();
    const withSamples = new Set<string>();
    for (const scrape of scrapes) {
      for (const [name, type] of scrape.types) families.set(name, type);
      for (const sample of scrape.samples) withSamples.add(family(sample.name, scrape.types));
    }

    const used = namesUsedInDeploy();
    expect(used.size).toBeGreaterThan(30);
    const missing = [...used].filter(([name]) => !withSamples.has(family(name, families))).map(([name, where]) => `${name} (${where})`);
    expect(missing).toEqual([]);
  });
});

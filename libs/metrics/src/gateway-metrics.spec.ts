import type { Envelope } from '@mdg/bus';
import { InvalidConfigError, PRICE_SYMBOLS } from '@mdg/model';
import type { ChartLiveStats } from '@mdg/uws';
import { register as globalRegistry } from 'prom-client';
import { GatewayMetrics } from './gateway-metrics';
import type { MetricSources } from './metric-sources';
import { GatewayStack } from './testing/gateway-stack';
import { Scrape } from './testing/scrape';

async function scrape(metrics: GatewayMetrics): Promise<Scrape> {
  return new Scrape((await metrics.render()).body);
}

const engineSources: MetricSources = {
  engine: () => ({ processed: 5, rejected: {}, tickerLate: 0, candleLateByTimeframe: {}, candlesFinalized: 0 }),
  pipeline: () => ({ tradesIn: 5, pricesPublished: 1, candlesPublished: 2, feedErrors: 0 }),
  feed: () => ({ state: 'live' }),
  engineOwnership: () => ({ owner: true, epoch: 3 }),
  bus: () => ({ connected: true }),
};

function envelope(acceptedAt: number, publishedAt: number): Envelope {
  return { stream: 'price:BTC', epoch: 1, seq: 1, payload: {}, acceptedAt, publishedAt };
}

/** The public contract: dashboards and alert rules are written against these names. */
const MDG_FAMILIES = [
  'mdg_bus_channels',
  'mdg_bus_conflated_total',
  'mdg_bus_connected',
  'mdg_bus_decode_errors_total',
  'mdg_bus_disconnects_total',
  'mdg_bus_dropped_total',
  'mdg_bus_fenced_total',
  'mdg_bus_finals_dropped_total',
  'mdg_bus_handler_errors_total',
  'mdg_bus_lag_seconds',
  'mdg_bus_pending_streams',
  'mdg_bus_publish_failures_total',
  'mdg_bus_published_total',
  'mdg_bus_received_total',
  'mdg_candle_late_trades_total',
  'mdg_candles_finalized_total',
  'mdg_candles_published_total',
  'mdg_client_errors_total',
  'mdg_conflated_updates_total',
  'mdg_connection_attempts_total',
  'mdg_connection_lease_renewal_failures_total',
  'mdg_connection_leases_held',
  'mdg_connection_leases_lost_total',
  'mdg_connection_leases_readmitted_total',
  'mdg_connections',
  'mdg_connections_accepted_total',
  'mdg_connections_refused_total',
  'mdg_dropped_envelopes_total',
  'mdg_engine_epoch',
  'mdg_engine_lease_owner',
  'mdg_engine_takeovers_total',
  'mdg_engine_trades_processed_total',
  'mdg_engine_trades_rejected_total',
  'mdg_feed_duplicates_total',
  'mdg_feed_errors_total',
  'mdg_feed_open_connections',
  'mdg_feed_reconnects_total',
  'mdg_feed_rejected_total',
  'mdg_feed_stale_reconnects_total',
  'mdg_feed_state',
  'mdg_feed_switches_total',
  'mdg_feed_trades_total',
  'mdg_hub_last_receive_timestamp_seconds',
  'mdg_hub_streams',
  'mdg_incomplete_catch_ups_total',
  'mdg_messages_sent_total',
  'mdg_node_role',
  'mdg_pipeline_trades_total',
  'mdg_prices_published_total',
  'mdg_redis_connection_errors_total',
  'mdg_send_buffer_largest_bytes',
  'mdg_sent_bytes_total',
  'mdg_server_closes_total',
  'mdg_slow_client_closes_total',
  'mdg_slow_client_resyncs_total',
  'mdg_slow_clients',
  'mdg_socketio_broadcasts_total',
  'mdg_socketio_engine_connections',
  'mdg_stale_envelopes_total',
  'mdg_stream_gaps_total',
  'mdg_subscriptions',
  'mdg_tick_to_wire_seconds',
  'mdg_ticker_late_trades_total',
];

/** Every label value a series may carry: fixed sets, whatever the traffic. */
const ALLOWED_LABEL_VALUES: Record<string, RegExp> = {
  protocol: /^(socketio|chart-live)$/,
  event: /^(initial-prices|price-update|chart|control)$/,
  reason: /^[a-z_]+$/,
  role: /^(engine|edge|worker)$/,
  timeframe: /^(1|5|15|30|60|300|900|1800|3600|14400|86400)$/,
  state: /^(idle|live|stale|stopped)$/,
  client: /^(registry|keys)$/,
  path: /^(fast|slow)$/,
  le: /^([0-9.]+|\+Inf)$/,
};

describe('GatewayMetrics', () => {
  it("keeps its metrics on its own registry: prom-client's global one stays empty, and two instances never collide", async () => {
    const first = new GatewayMetrics({ defaultMetrics: false });
    const second = new GatewayMetrics({ defaultMetrics: false });
    first.track(engineSources);
    second.track({ ...engineSources, engine: () => ({ processed: 9, rejected: {}, tickerLate: 0, candleLateByTimeframe: {}, candlesFinalized: 0 }) });
    expect((await scrape(first)).value('mdg_engine_trades_processed_total')).toBe(5);
    expect((await scrape(second)).value('mdg_engine_trades_processed_total')).toBe(9);
    expect((await globalRegistry.getMetricsAsJSON()).filter((metric) => metric.name.startsWith('mdg_'))).toEqual([]);
    expect((await first.render()).contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('includes the Node.js default metrics (event loop lag, heap, GC) unless told not to', async () => {
    // The only instance with default metrics in this file: prom-client cannot remove its GC observer again.
    const withDefaults = await scrape(new GatewayMetrics());
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
    ]) {
      expect(withDefaults.families()).toContain(name);
    }
    const without = await scrape(new GatewayMetrics({ defaultMetrics: false }));
    expect([...without.families()].filter((name) => !name.startsWith('mdg_'))).toEqual([]);
  });

  it('exports only the metrics of the tracked sources: no edge metrics on an engine, no engine metrics on an edge', async () => {
    const engineOnly = new GatewayMetrics({ roles: ['engine'], defaultMetrics: false });
    engineOnly.track(engineSources);
    const engineFamilies = [...(await scrape(engineOnly)).families()];
    expect(engineFamilies.filter((name) => /^mdg_(connection|tick_to_wire|bus_lag|hub_|subscriptions|messages_sent|slow_)/.test(name))).toEqual([]);
    expect(engineFamilies).toEqual(
      expect.arrayContaining(['mdg_engine_trades_processed_total', 'mdg_bus_connected', 'mdg_engine_lease_owner', 'mdg_node_role']),
    );

    const edgeOnly = new GatewayMetrics({ roles: ['edge'], defaultMetrics: false });
    edgeOnly.track({ hub: () => ({ streams: 1, gaps: 0, stale: 0 }), bus: () => ({ connected: true }) });
    const edgeScrape = await scrape(edgeOnly);
    expect([...edgeScrape.families()].filter((name) => /engine|feed|pipeline|published_total|candle/.test(name) && name !== 'mdg_bus_published_total')).toEqual(
      [],
    );
    expect(edgeScrape.value('mdg_node_role', { role: 'edge' })).toBe(1);
    expect(edgeScrape.families()).toContain('mdg_bus_lag_seconds');
    expect(edgeScrape.families()).not.toContain('mdg_tick_to_wire_seconds'); // no protocol tracked
  });

  it('refuses a source tracked twice; the function track returns stops tracking', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    let connections = 3;
    const untrack = metrics.track({ chartLive: () => ({ ...emptyChartLiveStats(), connections }) });
    expect(() => metrics.track({ chartLive: () => undefined, hub: () => undefined })).toThrow('GatewayMetrics.track: chartLive already tracked');
    expect((await scrape(metrics)).value('mdg_connections', { protocol: 'chart-live' })).toBe(3);
    connections = 4;
    expect((await scrape(metrics)).value('mdg_connections', { protocol: 'chart-live' })).toBe(4);
    untrack();
    expect((await scrape(metrics)).series('mdg_connections')).toEqual([]);
    metrics.track({ chartLive: () => undefined }); // free again; tracked but inactive reads 0
    expect((await scrape(metrics)).value('mdg_connections', { protocol: 'chart-live' })).toBe(0);
  });

  it('a getter that throws or a sample that cannot be one is reported, and the scrape still works', async () => {
    const errors: Error[] = [];
    const metrics = new GatewayMetrics({ defaultMetrics: false, onError: (error) => errors.push(error) });
    metrics.track({
      hub: () => {
        throw new Error('hub gone');
      },
      pipeline: () => ({ tradesIn: -1, pricesPublished: Number.NaN, candlesPublished: 1, feedErrors: 0 }),
    });
    const result = await scrape(metrics);
    expect(result.value('mdg_hub_streams')).toBe(0);
    expect(result.value('mdg_candles_published_total')).toBe(1);
    expect(result.value('mdg_pipeline_trades_total')).toBe(0); // skipped: counters never go negative
    expect(errors.map((error) => error.message)).toEqual([
      'metrics: reading hub failed: hub gone',
      'metrics: mdg_pipeline_trades_total read -1; sample skipped',
      'metrics: mdg_prices_published_total read NaN; sample skipped',
    ]);
  });

  it('observes tick-to-wire and bus lag from the envelope timestamps, a clock running behind counting as 0', async () => {
    let now = 10_000;
    const metrics = new GatewayMetrics({ defaultMetrics: false, now: () => now });
    metrics.track({ socketio: () => undefined, hub: () => undefined });
    metrics.observer.onReceived(envelope(9_900, 9_990)); // 10 ms on the bus
    metrics.observer.onDelivered('socketio', envelope(9_900, 9_990), 3, 120); // 100 ms after acceptance
    now = 10_050;
    metrics.observer.onReceived(envelope(10_000, 10_060)); // the publisher's clock is ahead
    const result = await scrape(metrics);
    expect(result.value('mdg_tick_to_wire_seconds_count', { protocol: 'socketio' })).toBe(1);
    expect(result.value('mdg_tick_to_wire_seconds_sum', { protocol: 'socketio' })).toBeCloseTo(0.1, 9);
    expect(result.value('mdg_bus_lag_seconds_count')).toBe(2);
    expect(result.value('mdg_bus_lag_seconds_sum')).toBeCloseTo(0.01, 9);
    expect(result.value('mdg_bus_lag_seconds_bucket', { le: '0.01' })).toBe(2);
    expect(result.value('mdg_hub_last_receive_timestamp_seconds')).toBe(10.05);
  });

  it('mirrors every counter a component keeps into its metric (including those the running-gateway specs cannot provoke)', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    metrics.track({
      feed: () => ({
        state: 'live',
        stats: {
          emitted: 11,
          rejected: 12,
          reconnects: 13,
          staleReconnects: 14,
          rotations: 15,
          duplicates: 16,
          shutdownNotices: 17,
          openConnections: 2,
          switches: 18,
        },
      }),
      chartLive: () => ({
        ...emptyChartLiveStats(),
        incompleteCatchUps: 21,
        peakBufferedBytes: 22,
        droppedEnvelopes: 23,
        errors: { HISTORY_GAP: 24, AUTH_FAILED: 99 },
        connectionsClosed: { ...emptyChartLiveStats().connectionsClosed, shutdown: 25 },
      }),
      bus: () => ({
        connected: false,
        stats: {
          published: 31,
          fenced: 32,
          conflated: 33,
          dropped: 34,
          finalsDropped: 42,
          failed: 35,
          pending: 36,
          received: 37,
          decodeErrors: 38,
          handlerErrors: 39,
          disconnects: 40,
          channels: 41,
        },
      }),
      registry: () => ({ held: 51, renewed: 52, readmitted: 53, lost: 54, renewalFailures: 55, connectionErrors: 56 }),
      keyStore: () => ({ connectionErrors: 61 }),
      engineOwnership: () => ({ owner: true, epoch: 1_775_001_600_123, takeovers: 3 }),
    });
    const result = await scrape(metrics);
    const expected: [string, Record<string, string>, number][] = [
      ['mdg_feed_trades_total', {}, 11],
      ['mdg_feed_rejected_total', {}, 12],
      ['mdg_feed_reconnects_total', {}, 13],
      ['mdg_feed_stale_reconnects_total', {}, 14],
      ['mdg_feed_duplicates_total', {}, 16],
      ['mdg_feed_open_connections', {}, 2],
      ['mdg_feed_switches_total', {}, 18],
      ['mdg_incomplete_catch_ups_total', { protocol: 'chart-live' }, 21],
      ['mdg_dropped_envelopes_total', { protocol: 'chart-live' }, 23],
      ['mdg_client_errors_total', { protocol: 'chart-live', reason: 'history_gap' }, 24],
      ['mdg_server_closes_total', { protocol: 'chart-live', reason: 'shutdown' }, 25],
      ['mdg_bus_connected', {}, 0],
      ['mdg_bus_published_total', {}, 31],
      ['mdg_bus_fenced_total', {}, 32],
      ['mdg_bus_conflated_total', {}, 33],
      ['mdg_bus_dropped_total', {}, 34],
      ['mdg_bus_finals_dropped_total', {}, 42],
      ['mdg_bus_publish_failures_total', {}, 35],
      ['mdg_bus_pending_streams', {}, 36],
      ['mdg_bus_received_total', {}, 37],
      ['mdg_bus_decode_errors_total', {}, 38],
      ['mdg_bus_handler_errors_total', {}, 39],
      ['mdg_bus_disconnects_total', {}, 40],
      ['mdg_bus_channels', {}, 41],
      ['mdg_connection_leases_held', {}, 51],
      ['mdg_connection_leases_readmitted_total', {}, 53],
      ['mdg_connection_leases_lost_total', {}, 54],
      ['mdg_connection_lease_renewal_failures_total', {}, 55],
      ['mdg_redis_connection_errors_total', { client: 'registry' }, 56],
      ['mdg_redis_connection_errors_total', { client: 'keys' }, 61],
      ['mdg_engine_lease_owner', {}, 1],
      ['mdg_engine_epoch', {}, 1_775_001_600_123],
      ['mdg_engine_takeovers_total', {}, 3],
    ];
    expect(expected.map(([name, labels]) => [name, labels, result.value(name, labels)])).toEqual(expected);
    // A refusal code in the errors record is not a client error: refusals have their own metric.
    expect(result.series('mdg_client_errors_total').some((sample) => sample.labels['reason'] === 'auth_failed')).toBe(false);
  });

  it('validates its options', () => {
    expect(() => new GatewayMetrics({ defaultMetrics: false, roles: ['engine', 'router' as 'edge'] })).toThrow(InvalidConfigError);
    expect(() => new GatewayMetrics({ defaultMetrics: false, tickToWireBuckets: [0.1, 0.05] })).toThrow(/tickToWireBuckets must be increasing/);
    expect(() => new GatewayMetrics({ defaultMetrics: false, busLagBuckets: [] })).toThrow(/busLagBuckets/);
  });

  describe('on a whole running gateway', () => {
    let stack: GatewayStack;
    afterEach(async () => {
      await stack.close();
    });

    it('exports exactly the documented metric families, named by Prometheus conventions, with labels from fixed sets only', async () => {
      stack = await GatewayStack.start();
      // Traffic with every kind of identifier: symbols, tokens, user ids, keys.
      const apiKey = await stack.createKey('user-with-a-name');
      const client = stack.connectPrices(apiKey);
      await new Promise((resolve) => client.once('initial-prices', resolve));
      for (const symbol of PRICE_SYMBOLS) stack.feed.trade(stack.trade(symbol));
      stack.feed.trade(stack.trade(stack.token(0).id, { price: 0.0001, size: 1_000_000 }));
      stack.pipeline.publishPrices();
      await stack.pipeline.publishCandles();
      const redis = new GatewayMetrics({ defaultMetrics: false });
      redis.track({ registry: () => undefined, keyStore: () => undefined });

      const result = await stack.scrape();
      const families = [...result.families(), ...(await scrape(redis)).families()].filter((name) => name.startsWith('mdg_'));
      expect([...new Set(families)].sort()).toEqual(MDG_FAMILIES);
      for (const [name, type] of result.types) {
        if (!name.startsWith('mdg_')) continue;
        if (type === 'counter') expect(name).toMatch(/_total$/);
        else expect(name).not.toMatch(/_total$/);
        if (type === 'histogram') expect(name).toMatch(/_seconds$/);
        if (/bytes/.test(name)) expect(name).toMatch(/_bytes(_total)?$/);
      }
      for (const sample of result.samples) {
        for (const [label, value] of Object.entries(sample.labels)) {
          expect(ALLOWED_LABEL_VALUES[label]?.test(value) ? 'fixed' : `${sample.name}{${label}="${value}"}`).toBe('fixed');
        }
      }
      const secrets = [apiKey, 'user-with-a-name', stack.token(0).tokenAddress, ...PRICE_SYMBOLS.map((symbol) => `"${symbol}"`)];
      for (const secret of secrets) expect(result.text).not.toContain(secret);
    });
  });
});

function emptyChartLiveStats(): ChartLiveStats {
  return {
    connections: 0,
    pendingAdmissions: 0,
    connectionsOpened: 0,
    connectionsRefused: { AUTH_FAILED: 0, AUTH_RATE_LIMITED: 0, PRO_REQUIRED: 0, CONNECTION_LIMIT: 0, SERVICE_UNAVAILABLE: 0 },
    connectionsClosed: { auth_failed: 0, try_again_later: 0, limit_exceeded: 0, slow_consumer: 0, shutdown: 0 },
    subscriptions: 0,
    streams: 0,
    slowClients: 0,
    errors: {},
    messagesSent: 0,
    bytesSent: 0,
    sent: { chart: { messages: 0, bytes: 0 }, control: { messages: 0, bytes: 0 } },
    conflatedUpdates: 0,
    resyncs: 0,
    incompleteCatchUps: 0,
    peakBufferedBytes: 0,
    droppedEnvelopes: 0,
  };
}

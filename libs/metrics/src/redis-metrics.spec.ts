import { preciseNow } from '@mdg/bus';
import { RedisConnectionRegistry, RedisKeyStore, RedisMarketBus } from '@mdg/redis';
import { closeRedisClient, createRedisClient } from '@mdg/redis-client';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { GatewayMetrics } from './gateway-metrics';
import { Scrape } from './testing/scrape';

/** The Redis-backed components on a real redis-server that the spec kills and restarts. */
describe('GatewayMetrics over Redis: bus state, bus traffic, connection errors, leases', () => {
  let server: RedisServerHandle;
  const closers: (() => Promise<void>)[] = [];
  const backgroundErrors: Error[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    if (!server.running) await server.restart();
  });

  it('every Redis metric moves: published and received envelopes, leases, then an outage and the recovery', async () => {
    const keyPrefix = uniquePrefix('metrics');
    const reconnect = { initialDelayMs: 20, maxDelayMs: 100 };
    const engineBus = await RedisMarketBus.connect({ connection: server.url, keyPrefix, reconnect });
    closers.push(() => engineBus.close());
    const edgeBus = await RedisMarketBus.connect({ connection: server.url, keyPrefix, reconnect });
    closers.push(() => edgeBus.close());
    const registry = await RedisConnectionRegistry.connect({ connection: server.url, keyPrefix, reconnect, leaseTtlMs: 5000, renewIntervalMs: 100 });
    closers.push(() => registry.close());
    const keyStore = await RedisKeyStore.open({ connection: server.url, keyPrefix, reconnect });
    closers.push(() => keyStore.close());
    // An engine bus that drops what it cannot send instead of conflating it.
    const droppingBus = await RedisMarketBus.connect({ connection: server.url, keyPrefix, reconnect, whileDisconnected: 'drop' });
    closers.push(() => droppingBus.close());
    // A plain client, to put on a bus channel what no engine would publish.
    const raw = createRedisClient(server.url, 'metrics-spec-raw', reconnect, { lazyConnect: true });
    closers.push(() => closeRedisClient(raw));
    // Outage errors are expected here; they are reported through these, not as warnings.
    for (const bus of [engineBus, edgeBus, droppingBus]) bus.onError((error) => backgroundErrors.push(error));
    registry.onError((error) => backgroundErrors.push(error));
    keyStore.onError((error) => backgroundErrors.push(error));

    const metrics = new GatewayMetrics({ defaultMetrics: false });
    metrics.track({
      bus: () => ({ connected: edgeBus.state() === 'connected', stats: edgeBus.stats() }),
      registry: () => registry.stats(),
      keyStore: () => keyStore.stats(),
    });
    const engineMetrics = new GatewayMetrics({ defaultMetrics: false });
    engineMetrics.track({ bus: () => ({ connected: engineBus.state() === 'connected', stats: engineBus.stats() }) });
    const scrape = async (of = metrics): Promise<Scrape> => new Scrape((await of.render()).body);

    const received: number[] = [];
    edgeBus.subscribe('price:BTC', (envelope) => received.push(envelope.seq));
    await edgeBus.settle();
    await registry.acquire('user-1', 'api-ws', 2);
    let edge = await scrape();
    expect(edge.value('mdg_bus_connected')).toBe(1);
    expect(edge.value('mdg_bus_channels')).toBe(1);
    expect(edge.value('mdg_connection_leases_held')).toBe(1);

    const now = preciseNow();
    engineBus.publish({ stream: 'price:BTC', epoch: 1, seq: 1, payload: {}, acceptedAt: now, publishedAt: now });
    engineBus.publish({ stream: 'price:BTC', epoch: 1, seq: 1, payload: {}, acceptedAt: now, publishedAt: now }); // refused by the fence
    await engineBus.settle();
    await eventually(async () => received.length === 1, { timeoutMs: 5000, what: 'the envelope on the edge' });
    const engine = await scrape(engineMetrics);
    expect(engine.value('mdg_bus_published_total')).toBe(1);
    expect(engine.value('mdg_bus_fenced_total')).toBe(1);
    edge = await scrape();
    expect(edge.value('mdg_bus_received_total')).toBe(1);

    // A subscriber that throws, and a message on the channel that is not an envelope.
    edgeBus.subscribe('price:ETH', () => {
      throw new Error('a broken subscriber');
    });
    await edgeBus.settle();
    engineBus.publish({ stream: 'price:ETH', epoch: 1, seq: 1, payload: {}, acceptedAt: now, publishedAt: now });
    await raw.connect();
    await raw.publish(`${keyPrefix}bus:price:BTC`, 'not an envelope');
    await eventually(async () => (await scrape()).value('mdg_bus_handler_errors_total') === 1 && (await scrape()).value('mdg_bus_decode_errors_total') === 1, {
      timeoutMs: 5000,
      what: 'the handler and decode errors',
    });

    await server.kill();
    await eventually(async () => (await scrape()).value('mdg_bus_connected') === 0, { timeoutMs: 5000, what: 'the bus seen disconnected' });
    engineBus.publish({ stream: 'price:BTC', epoch: 1, seq: 2, payload: {}, acceptedAt: now, publishedAt: now });
    engineBus.publish({ stream: 'price:BTC', epoch: 1, seq: 3, payload: {}, acceptedAt: now, publishedAt: now }); // supersedes seq 2
    droppingBus.publish({ stream: 'price:BTC', epoch: 1, seq: 4, payload: {}, acceptedAt: now, publishedAt: now });
    await eventually(
      async () => {
        const during = await scrape();
        return (
          during.value('mdg_redis_connection_errors_total', { client: 'registry' }) > 0 &&
          during.value('mdg_redis_connection_errors_total', { client: 'keys' }) > 0 &&
          during.value('mdg_connection_lease_renewal_failures_total') > 0
        );
      },
      { timeoutMs: 5000, what: 'connection errors and failed renewals during the outage' },
    );
    const during = await scrape(engineMetrics);
    expect(during.value('mdg_bus_disconnects_total')).toBe(1);
    expect(during.value('mdg_bus_conflated_total')).toBe(1);
    expect(during.value('mdg_bus_pending_streams')).toBe(1);
    const dropping = new GatewayMetrics({ defaultMetrics: false });
    dropping.track({ bus: () => ({ connected: droppingBus.state() === 'connected', stats: droppingBus.stats() }) });
    expect((await scrape(dropping)).value('mdg_bus_dropped_total')).toBe(1);

    await server.restart();
    await eventually(async () => (await scrape()).value('mdg_bus_connected') === 1, { timeoutMs: 10_000, what: 'the bus connected again' });
    // Redis came back empty: the lease is taken back at the next renewal.
    await eventually(async () => (await scrape()).value('mdg_connection_leases_readmitted_total') === 1, { timeoutMs: 5000, what: 'the lease readmitted' });
    const after = await scrape();
    expect(after.value('mdg_bus_disconnects_total')).toBe(1);
    expect(after.value('mdg_connection_leases_lost_total')).toBe(0);
    expect(backgroundErrors.length).toBeGreaterThan(0);
  });
});

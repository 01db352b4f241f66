import { Redis } from 'ioredis';
import type { BusState, Envelope } from '@mdg/bus';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisMarketBus, type RedisMarketBusOptions } from './redis-market-bus';

/** Redis killed (as in a crash) and restarted empty on the same port, with buses connected to it. */
describe('RedisMarketBus across a Redis outage', () => {
  let server: RedisServerHandle;
  const buses: RedisMarketBus[] = [];
  const unhandled: unknown[] = [];
  const warnings: Error[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  const onWarning = (warning: Error): void => void warnings.push(warning);

  beforeAll(async () => {
    server = await startRedisServer();
    process.on('unhandledRejection', onUnhandled);
    process.on('warning', onWarning);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    process.off('warning', onWarning);
    await server.stop();
  });

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    if (!server.running) await server.restart();
    expect(unhandled).toEqual([]);
    expect(warnings).toEqual([]);
  });

  async function openBus(keyPrefix: string, options: Partial<RedisMarketBusOptions> = {}): Promise<{ bus: RedisMarketBus; states: BusState[] }> {
    const bus = await RedisMarketBus.connect({ connection: server.url, keyPrefix, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...options });
    buses.push(bus);
    const states: BusState[] = [];
    bus.onStateChange((state) => states.push(state));
    // Connection errors during the outage are expected; they go to onError, not to the console.
    bus.onError((error) => {
      if (error.reason !== 'connection') warnings.push(error);
    });
    return { bus, states };
  }

  const envelope = (stream: string, seq: number): Envelope => ({ stream, epoch: 1, seq, payload: { seq }, acceptedAt: seq, publishedAt: seq });
  const until = (bus: RedisMarketBus, state: BusState): Promise<void> =>
    eventually(async () => bus.state() === state, { timeoutMs: 10_000, what: `bus ${state}` });

  for (const sharded of [false, true]) {
    it(`an edge resubscribes after Redis restarts and receives the engine's next publishes${sharded ? ' (sharded)' : ''}`, async () => {
      const prefix = uniquePrefix('outage');
      const edge = await openBus(prefix, { sharded });
      const engine = await openBus(prefix, { sharded });
      const received: number[] = [];
      edge.bus.subscribe('price:BTC', (e) => received.push(e.seq));
      await edge.bus.settle();
      engine.bus.publish(envelope('price:BTC', 1));
      await engine.bus.settle();
      await edge.bus.settle();
      expect(received).toEqual([1]);

      await server.kill();
      await until(edge.bus, 'disconnected');
      await until(engine.bus, 'disconnected');
      engine.bus.publish(envelope('price:BTC', 2));
      engine.bus.publish(envelope('price:BTC', 3));
      expect(engine.bus.stats()).toMatchObject({ pending: 1, conflated: 1 });

      await server.restart();
      await until(edge.bus, 'connected');
      await until(engine.bus, 'connected');
      // The edge resyncs from the snapshot: the engine's newest held envelope, flushed on reconnect.
      await engine.bus.settle();
      expect((await edge.bus.latest(['price:BTC']))[0]).toMatchObject({ seq: 3 });
      engine.bus.publish(envelope('price:BTC', 4));
      await engine.bus.settle();
      await edge.bus.settle();
      expect(received[0]).toBe(1);
      expect(received.at(-1)).toBe(4);
      expect(received).not.toContain(2);
      expect(edge.states).toEqual(['disconnected', 'connected']);
      expect(engine.states).toEqual(['disconnected', 'connected']);
      expect(engine.bus.stats()).toMatchObject({ pending: 0, disconnects: 1, failed: 0 });
    });
  }

  it('applies subscription changes made during the outage once Redis is back', async () => {
    const prefix = uniquePrefix('changes');
    const { bus } = await openBus(prefix);
    const probe = new Redis(server.url, { lazyConnect: true });
    const stopBtc = bus.subscribe('price:BTC', () => undefined);
    await bus.settle();
    await server.kill();
    await until(bus, 'disconnected');
    stopBtc();
    const eth: number[] = [];
    bus.subscribe('price:ETH', (e) => eth.push(e.seq));
    await server.restart();
    await until(bus, 'connected');
    await probe.connect();
    expect(await probe.pubsub('NUMSUB', `${prefix}bus:price:BTC`, `${prefix}bus:price:ETH`)).toEqual([
      `${prefix}bus:price:BTC`,
      0,
      `${prefix}bus:price:ETH`,
      1,
    ]);
    await probe.quit();
    bus.publish(envelope('price:ETH', 7));
    await bus.settle();
    expect(eth).toEqual([7]);
  });

  it('conflates publishes per stream while down and flushes them before reporting connected', async () => {
    const { bus } = await openBus(uniquePrefix('conflate'), { maxConflatedStreams: 2 });
    const seen: string[] = [];
    for (const stream of ['price:A', 'price:B', 'price:C']) bus.subscribe(stream, (e) => seen.push(`${e.stream}#${e.seq}`));
    await bus.settle();
    await server.kill();
    await until(bus, 'disconnected');
    bus.publish(envelope('price:A', 1));
    bus.publish(envelope('price:A', 2));
    bus.publish(envelope('price:B', 1));
    bus.publish(envelope('price:C', 1)); // beyond maxConflatedStreams
    expect(bus.stats()).toMatchObject({ pending: 2, conflated: 1, dropped: 1 });
    let latestOnConnect: Promise<(Envelope | undefined)[]> | undefined;
    bus.onStateChange((state) => {
      if (state === 'connected') latestOnConnect = bus.latest(['price:A', 'price:B', 'price:C']);
    });
    await server.restart();
    await until(bus, 'connected');
    expect((await latestOnConnect!)?.map((e) => e?.seq)).toEqual([2, 1, undefined]);
    await bus.settle();
    expect(seen.sort()).toEqual(['price:A#2', 'price:B#1']);
    expect(bus.stats()).toMatchObject({ pending: 0, published: 2 });
  });

  it('keeps every final while down and sends them in order, with the newest update after them', async () => {
    const { bus } = await openBus(uniquePrefix('finals'), { maxPendingFinals: 3 });
    const candle = (seq: number, closed: boolean): Envelope => ({ ...envelope('candle:A:1', seq), payload: { closed } });
    const seen: string[] = [];
    bus.subscribe('candle:A:1', (e) => seen.push(`${e.seq}${(e.payload as { closed: boolean }).closed ? 'F' : ''}`));
    await bus.settle();
    await server.kill();
    await until(bus, 'disconnected');
    // Buckets T..T+3: updates, then each bucket's final; the last final finds the bound reached.
    bus.publish(candle(1, false));
    bus.publish(candle(2, true));
    bus.publish(candle(3, false));
    bus.publish(candle(4, false));
    bus.publish(candle(5, true));
    bus.publish(candle(6, false));
    bus.publish(candle(7, true));
    bus.publish(candle(8, true));
    bus.publish(candle(9, false));
    expect(bus.stats()).toMatchObject({ pending: 1, pendingFinals: 3, finalsDropped: 1, conflated: 4 });
    await server.restart();
    await until(bus, 'connected');
    await bus.settle();
    expect(seen).toEqual(['2F', '5F', '7F', '9']);
    expect(bus.stats()).toMatchObject({ pending: 0, pendingFinals: 0, published: 4 });
  });

  it('the drop policy discards and counts publishes while down', async () => {
    const { bus } = await openBus(uniquePrefix('drop'), { whileDisconnected: 'drop' });
    await server.kill();
    await until(bus, 'disconnected');
    bus.publish(envelope('price:A', 1));
    bus.publish(envelope('price:A', 2));
    await server.restart();
    await until(bus, 'connected');
    expect(await bus.latest(['price:A'])).toEqual([undefined]);
    expect(bus.stats()).toMatchObject({ dropped: 2, pending: 0, published: 0 });
  });

  it('closes cleanly while Redis is down', async () => {
    const { bus, states } = await openBus(uniquePrefix('close-down'));
    await server.kill();
    await until(bus, 'disconnected');
    bus.publish(envelope('price:A', 1));
    await bus.close();
    expect(bus.stats().dropped).toBe(1);
    expect(states).toEqual(['disconnected']);
  });
});

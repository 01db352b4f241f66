import { Redis } from 'ioredis';
import type { Envelope } from '@mdg/bus';
import { describeMarketBusContract } from '@mdg/bus/testing';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisMarketBus, type RedisMarketBusOptions } from './redis-market-bus';

let server: RedisServerHandle;
let probe: Redis;
const buses: RedisMarketBus[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  probe = new Redis(server.url);
});

afterAll(async () => {
  await probe.quit();
  await server.stop();
});

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

async function openBus(options: Partial<RedisMarketBusOptions> = {}): Promise<RedisMarketBus> {
  const bus = await RedisMarketBus.connect({ connection: server.url, keyPrefix: uniquePrefix('bus'), ...options });
  buses.push(bus);
  return bus;
}

function envelope(stream: string, seq: number, epoch = 1, payload: unknown = { n: seq }): Envelope {
  return { stream, epoch, seq, payload, acceptedAt: 1000 + seq, publishedAt: 2000 + seq };
}

for (const sharded of [false, true]) {
  let current: RedisMarketBus;
  describeMarketBusContract(sharded ? 'redis (sharded pub/sub)' : 'redis', {
    create: async () => {
      current = await openBus({ sharded });
      return current;
    },
    settle: () => current.settle(),
  });
}

describe('RedisMarketBus', () => {
  it('subscribes a channel for the first local handler and really unsubscribes after the last', async () => {
    const prefix = uniquePrefix('numsub');
    const bus = await openBus({ keyPrefix: prefix });
    const channel = `${prefix}bus:price:BTC`;
    const numsub = async (): Promise<unknown> => (await probe.pubsub('NUMSUB', channel))[1];
    const stopA = bus.subscribe('price:BTC', () => undefined);
    const stopB = bus.subscribe('price:BTC', () => undefined);
    await bus.settle();
    expect(await numsub()).toBe(1);
    expect(bus.stats().channels).toBe(1);
    stopA();
    await bus.settle();
    expect(await numsub()).toBe(1);
    stopB();
    stopB();
    await bus.settle();
    expect(await numsub()).toBe(0);
    expect(bus.stats().channels).toBe(0);
  });

  it('sharded mode uses SSUBSCRIBE channels with a hash tag, and SSUNSUBSCRIBEs', async () => {
    const prefix = uniquePrefix('shard');
    const bus = await openBus({ keyPrefix: prefix, sharded: true });
    const channel = `${prefix}bus:{price:ETH}`;
    const stop = bus.subscribe('price:ETH', () => undefined);
    await bus.settle();
    expect(await probe.call('PUBSUB', 'SHARDNUMSUB', channel)).toEqual([channel, 1]);
    expect((await probe.pubsub('NUMSUB', `${prefix}bus:price:ETH`))[1]).toBe(0);
    stop();
    await bus.settle();
    expect(await probe.call('PUBSUB', 'SHARDNUMSUB', channel)).toEqual([channel, 0]);
  });

  it('two nodes on one Redis see each other’s publishes, and only the streams they subscribed', async () => {
    const prefix = uniquePrefix('nodes');
    const [a, b] = [await openBus({ keyPrefix: prefix }), await openBus({ keyPrefix: prefix })];
    const onA: string[] = [];
    const onB: string[] = [];
    a.subscribe('price:BTC', (e) => onA.push(`${e.stream}#${e.seq}`));
    b.subscribe('price:BTC', (e) => onB.push(`${e.stream}#${e.seq}`));
    b.subscribe('candle:X:60', (e) => onB.push(`${e.stream}#${e.seq}`));
    await Promise.all([a.settle(), b.settle()]);
    a.publish(envelope('price:BTC', 1));
    b.publish(envelope('price:BTC', 2));
    a.publish(envelope('candle:X:60', 1));
    await a.settle();
    await b.settle();
    await a.settle();
    // Publishes from two connections have no common order: compare the sets.
    expect(onA.sort()).toEqual(['price:BTC#1', 'price:BTC#2']);
    expect(onB.sort()).toEqual(['candle:X:60#1', 'price:BTC#1', 'price:BTC#2']);
    expect((await b.latest(['candle:X:60']))[0]).toMatchObject({ seq: 1 });
  });

  it('stores snapshots with the configured TTL and hands every handler the same decoded object', async () => {
    const prefix = uniquePrefix('ttl');
    const bus = await openBus({ keyPrefix: prefix, snapshotTtlMs: 60_000 });
    const seen: Envelope[] = [];
    bus.subscribe('price:SOL', (e) => seen.push(e));
    bus.subscribe('price:SOL', (e) => seen.push(e));
    await bus.settle();
    bus.publish(envelope('price:SOL', 1));
    await bus.settle();
    const ttl = await probe.pttl(`${prefix}latest:price:SOL`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(bus.stats()).toMatchObject({ published: 1, received: 1 });
  });

  it('fences the snapshot: older epochs and repeated seqs are neither stored nor sent', async () => {
    const bus = await openBus();
    const seen: string[] = [];
    bus.subscribe('price:BTC', (e) => seen.push(`${e.epoch}/${e.seq}`));
    await bus.settle();
    bus.publish(envelope('price:BTC', 5, 2));
    bus.publish(envelope('price:BTC', 5, 2)); // duplicate
    bus.publish(envelope('price:BTC', 9, 1)); // a deposed engine's late write
    bus.publish(envelope('price:BTC', 1, 3)); // a takeover: new epoch, seq restarts
    await bus.settle();
    expect(seen).toEqual(['2/5', '3/1']);
    expect((await bus.latest(['price:BTC']))[0]).toMatchObject({ epoch: 3, seq: 1 });
    expect(bus.stats()).toMatchObject({ published: 2, fenced: 2 });
  });

  it('without the fence, every publish is stored and sent', async () => {
    const bus = await openBus({ fence: false });
    const seen: number[] = [];
    bus.subscribe('price:BTC', (e) => seen.push(e.seq));
    await bus.settle();
    bus.publish(envelope('price:BTC', 5));
    bus.publish(envelope('price:BTC', 3));
    await bus.settle();
    expect(seen).toEqual([5, 3]);
    expect((await bus.latest(['price:BTC']))[0]).toMatchObject({ seq: 3 });
  });

  it('a throwing handler is reported and does not stop the other handlers', async () => {
    const bus = await openBus();
    const errors: Error[] = [];
    bus.onError((error) => errors.push(error));
    const seen: number[] = [];
    bus.subscribe('price:BTC', () => {
      throw new Error('handler bug');
    });
    bus.subscribe('price:BTC', (e) => seen.push(e.seq));
    await bus.settle();
    bus.publish(envelope('price:BTC', 1));
    await bus.settle();
    expect(seen).toEqual([1]);
    expect(errors.map((error) => error.message)).toEqual([expect.stringContaining('handler bug')]);
    expect(bus.stats().handlerErrors).toBe(1);
  });

  it('skips and counts foreign messages and corrupt snapshots', async () => {
    const prefix = uniquePrefix('garbage');
    const bus = await openBus({ keyPrefix: prefix });
    const errors: string[] = [];
    bus.onError((error) => errors.push(error.message));
    const seen: number[] = [];
    bus.subscribe('price:BTC', (e) => seen.push(e.seq));
    await bus.settle();
    await probe.publish(`${prefix}bus:price:BTC`, 'not json');
    await probe.publish(`${prefix}bus:price:BTC`, JSON.stringify(envelope('price:ETH', 1)));
    await probe.set(`${prefix}latest:price:XRP`, '{"stream":"price:XRP"}');
    bus.publish(envelope('price:BTC', 1));
    await bus.settle();
    expect(seen).toEqual([1]);
    expect(await bus.latest(['price:XRP'])).toEqual([undefined]);
    expect(bus.stats().decodeErrors).toBe(3);
    expect(errors).toHaveLength(3);
  });

  it('latest reads many streams at once, in order, also in sharded mode', async () => {
    for (const sharded of [false, true]) {
      const bus = await openBus({ sharded });
      const streams = Array.from({ length: 50 }, (_, i) => `candle:T${i}:60`);
      streams.forEach((stream, i) => i % 2 === 0 && bus.publish(envelope(stream, i + 1)));
      await bus.settle();
      const latest = await bus.latest(streams);
      expect(latest.map((e) => e?.seq)).toEqual(streams.map((_, i) => (i % 2 === 0 ? i + 1 : undefined)));
      expect(await bus.latest([])).toEqual([]);
    }
  });

  it('refuses a malformed configuration, and fails to connect within the timeout when Redis is absent', async () => {
    expect(() => new RedisMarketBus({ connection: server.url, keyPrefix: '' })).toThrow('keyPrefix');
    expect(() => new RedisMarketBus({ connection: server.url, keyPrefix: 'p:', snapshotTtlMs: 0 })).toThrow('snapshotTtlMs');
    const started = Date.now();
    await expect(RedisMarketBus.connect({ connection: 'redis://127.0.0.1:1', keyPrefix: 'p:', connectTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('close is idempotent; latest then rejects with a typed error', async () => {
    const bus = await openBus();
    await bus.close();
    await bus.close();
    await expect(bus.latest(['price:BTC'])).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(bus.subscribe('price:BTC', () => undefined)).toEqual(expect.any(Function));
  });

  it('delivers a burst across nodes in publish order; settle on both sides is enough to see it all', async () => {
    const prefix = uniquePrefix('burst');
    const [a, b] = [await openBus({ keyPrefix: prefix }), await openBus({ keyPrefix: prefix })];
    const seen: number[] = [];
    b.subscribe('price:BTC', (e) => seen.push(e.seq));
    await b.settle();
    for (let seq = 1; seq <= 500; seq++) a.publish(envelope('price:BTC', seq));
    await a.settle();
    await b.settle();
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });
});

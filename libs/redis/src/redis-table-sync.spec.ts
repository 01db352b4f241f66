import { Redis } from 'ioredis';
import { InvalidConfigError } from '@mdg/model';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { closeRedisClient } from '@mdg/redis-client';
import { RedisTableSync, type RedisTableSyncOptions } from './redis-table-sync';

class TestIoError extends Error {}

let server: RedisServerHandle;
const syncs: RedisTableSync<TestIoError>[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await Promise.all(syncs.splice(0).map((sync) => sync.close()));
  await server.stop();
});

interface Recorder {
  closed: boolean;
  errors: TestIoError[];
  events: string[];
  resyncs: number;
  reconciles: number;
}

function create(options: Partial<RedisTableSyncOptions<TestIoError>> = {}): { sync: RedisTableSync<TestIoError>; seen: Recorder } {
  const seen: Recorder = { closed: false, errors: [], events: [], resyncs: 0, reconciles: 0 };
  const sync = new RedisTableSync<TestIoError>({
    ownerName: 'TestTable',
    connection: server.url,
    eventsChannel: `${uniquePrefix('table-sync')}events`,
    reconcileIntervalMs: 0,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    name: 'mdg-test-table',
    createIoError: (detail, errorOptions) => new TestIoError(detail, errorOptions),
    owner: {
      isClosed: () => seen.closed,
      reportError: (error) => seen.errors.push(error),
      resync: () => (seen.resyncs += 1),
      onEvent: (message) => seen.events.push(message),
      reconcile: () => (seen.reconciles += 1),
    },
    ...options,
  });
  syncs.push(sync);
  return { sync, seen };
}

describe('RedisTableSync', () => {
  it('rejects bad intervals with every problem named after its owner', () => {
    expect(() => create({ reconcileIntervalMs: -1, commandTimeoutMs: 0 })).toThrow(InvalidConfigError);
    expect(() => create({ reconcileIntervalMs: -1 })).toThrow('TestTable: reconcileIntervalMs must be a non-negative integer, got -1');
  });

  it('subscribes, resyncs once connected, and hands events on its channel to the owner', async () => {
    const { sync, seen } = create();
    await sync.connect({ close: () => sync.close() }, 5000, 'the test table', async () => undefined);
    await eventually(async () => seen.resyncs >= 1, { timeoutMs: 5000, what: 'a resync' });
    const publisher = new Redis(server.url);
    try {
      await publisher.publish('some-other-channel', 'ignored');
      await publisher.publish(sync.eventsChannel, 'hello');
      await eventually(async () => seen.events.length > 0, { timeoutMs: 5000, what: 'the event' });
      expect(seen.events).toEqual(['hello']);
    } finally {
      await closeRedisClient(publisher);
    }
  });

  it('runs queued tasks one at a time, in order, even after a failure', async () => {
    const { sync } = create();
    const order: string[] = [];
    const first = sync.exclusive(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('first');
      throw new Error('boom');
    });
    const second = sync.exclusive(async () => {
      order.push('second');
      return 2;
    });
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBe(2);
    expect(order).toEqual(['first', 'second']);
  });

  it('coalesces a burst of scheduled runs and reports failures once per outage', async () => {
    const { sync, seen } = create();
    let runs = 0;
    let fail = true;
    const task = async (): Promise<void> => {
      runs += 1;
      if (fail) throw new Error('down');
    };
    sync.scheduleCoalesced(task, 'reloading failed');
    sync.scheduleCoalesced(task, 'reloading failed');
    sync.scheduleCoalesced(task, 'reloading failed');
    await sync.drain();
    expect(runs).toBe(1);
    await sync.exclusive(() => sync.runInBackground(task, 'reloading failed'));
    expect(seen.errors.map((error) => error.message)).toEqual(['reloading failed: down']);
    fail = false;
    await sync.exclusive(() => sync.runInBackground(task, 'reloading failed'));
    fail = true;
    await sync.exclusive(() => sync.runInBackground(task, 'reloading failed'));
    expect(seen.errors).toHaveLength(2);
    seen.closed = true;
    await sync.exclusive(() => sync.runInBackground(task, 'reloading failed'));
    expect(runs).toBe(4);
  });

  it('closes the store and rethrows when the initial load fails', async () => {
    const { sync } = create();
    const close = jest.fn(() => sync.close());
    await expect(sync.connect({ close }, 5000, 'the test table', () => Promise.reject(new TestIoError('no data')))).rejects.toThrow('no data');
    expect(close).toHaveBeenCalledTimes(1);
  });
});

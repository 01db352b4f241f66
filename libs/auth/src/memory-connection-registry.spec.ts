import { ManualClock } from '@mdg/model';
import type { ConnectionLease } from './connection-registry';
import { MemoryConnectionRegistry } from './memory-connection-registry';
import { MemoryLeaseTable } from './memory-lease-table';
import { describeConnectionRegistryContract } from './testing';

describeConnectionRegistryContract('MemoryConnectionRegistry', async () => {
  // The system clock and real heartbeat timers, like the Redis implementation's suite.
  const table = new MemoryLeaseTable();
  const options = { table, leaseTtlMs: 1000, renewIntervalMs: 250 };
  const nodes = [new MemoryConnectionRegistry(options), new MemoryConnectionRegistry(options)] as const;
  return {
    nodes,
    heartbeatTtlMs: options.leaseTtlMs,
    crash: (index) => nodes[index].abandon(),
    close: async () => void (await Promise.all(nodes.map((node) => node.close()))),
  };
});

describe('MemoryConnectionRegistry leases', () => {
  const TTL = 15_000;
  let clock: ManualClock;
  let table: MemoryLeaseTable;
  const registries: MemoryConnectionRegistry[] = [];

  function node(options: { renewIntervalMs?: number } = {}): MemoryConnectionRegistry {
    const registry = new MemoryConnectionRegistry({ table, leaseTtlMs: TTL, renewIntervalMs: options.renewIntervalMs ?? 0 });
    registries.push(registry);
    return registry;
  }

  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    table = new MemoryLeaseTable(clock);
  });

  afterEach(async () => {
    await Promise.all(registries.splice(0).map((registry) => registry.close()));
    jest.useRealTimers();
  });

  it('frees the slots of a holder that died without releasing, once the TTL passes', async () => {
    const dead = node(); // never renews: a crashed node
    const alive = node();
    expect(await dead.acquire('user-1', 'api-ws', 2)).toBeDefined();
    expect(await dead.acquire('user-1', 'api-ws', 2)).toBeDefined();
    expect(await alive.acquire('user-1', 'api-ws', 2)).toBeUndefined();

    clock.advance(TTL - 1);
    expect(await alive.count('user-1', 'api-ws')).toBe(2);
    expect(await alive.acquire('user-1', 'api-ws', 2)).toBeUndefined();

    clock.advance(1);
    expect(await alive.count('user-1', 'api-ws')).toBe(0);
    expect(await alive.acquire('user-1', 'api-ws', 2)).toBeDefined();
    expect(table.groupCount).toBe(1);
  });

  it('keeps renewed leases alive well past the TTL', async () => {
    const holder = node();
    const other = node();
    await holder.acquire('user-1', 'api-ws', 2);
    await holder.acquire('user-1', 'api-ws', 2);
    for (let step = 0; step < 10; step++) {
      clock.advance(TTL / 3);
      expect(holder.renewHeldLeases()).toBe(2);
    }
    expect(await other.count('user-1', 'api-ws')).toBe(2);
    expect(await other.acquire('user-1', 'api-ws', 2)).toBeUndefined();
  });

  it('reports leases that expired before renewal as lost, and stops renewing them', async () => {
    const stalled = node();
    const other = node();
    const lost: ConnectionLease[] = [];
    stalled.onLeaseLost((lease) => lost.push(lease));
    const lease = await stalled.acquire('user-1', 'api-ws', 1);
    clock.advance(TTL);
    const taken = await other.acquire('user-1', 'api-ws', 1);
    expect(taken).toBeDefined();
    expect(stalled.renewHeldLeases()).toBe(0);
    expect(lost).toEqual([lease]);
    expect(stalled.heldCount).toBe(0);
    // The stale holder releasing later must not free the new holder's slot.
    await stalled.release(lease!);
    expect(await other.count('user-1', 'api-ws')).toBe(1);
  });

  it('renews on its own timer, and close stops the timer', async () => {
    jest.useFakeTimers();
    const holder = new MemoryConnectionRegistry({ table, leaseTtlMs: TTL }); // default renewal: every TTL / 3
    expect(holder.renewIntervalMs).toBe(5000);
    await holder.acquire('user-1', 'api-ws', 2);
    for (let step = 0; step < 6; step++) {
      clock.advance(5000);
      jest.advanceTimersByTime(5000);
    }
    expect(await holder.count('user-1', 'api-ws')).toBe(1);
    expect(jest.getTimerCount()).toBe(1);
    await holder.close();
    expect(jest.getTimerCount()).toBe(0);
    expect(await holder.count('user-1', 'api-ws')).toBe(0);
  });

  it('memory stays bounded: released and expired groups are dropped', async () => {
    const registry = node();
    const leases = await Promise.all(Array.from({ length: 100 }, (_, i) => registry.acquire(`user-${i}`, 'api-ws', 2)));
    expect(table.groupCount).toBe(100);
    await Promise.all(leases.slice(0, 50).map((lease) => registry.release(lease!)));
    expect(table.groupCount).toBe(50);
    clock.advance(TTL);
    expect(table.groupCount).toBe(0);
  });

  it('validates its arguments and refuses to acquire after close', async () => {
    const registry = node();
    await expect(registry.acquire('', 'api-ws', 2)).rejects.toThrow(TypeError);
    await expect(registry.acquire('u', '', 2)).rejects.toThrow(TypeError);
    await expect(registry.acquire('u', 'api-ws', -1)).rejects.toThrow(RangeError);
    await expect(registry.acquire('u', 'api-ws', 1.5)).rejects.toThrow(RangeError);
    expect(() => new MemoryConnectionRegistry({ leaseTtlMs: 0 })).toThrow(RangeError);
    expect(() => new MemoryConnectionRegistry({ leaseTtlMs: 1000, renewIntervalMs: 1000 })).toThrow(RangeError);
    await registry.close();
    await expect(registry.acquire('u', 'api-ws', 2)).rejects.toThrow('closed');
  });
});

import { InvalidConfigError, ManualClock } from '@mdg/model';
import { describeEngineLeaseContract } from './testing';
import { MemoryEngineLease } from './memory-engine-lease';
import { MemoryEngineLeaseTable } from './memory-engine-lease-table';

const T0 = 1_775_001_600_000;

describeEngineLeaseContract('MemoryEngineLease', async () => {
  const clock = new ManualClock(T0);
  const table = new MemoryEngineLeaseTable(clock);
  const ttlMs = 3000;
  return {
    ttlMs,
    lease: async (ownerId) => new MemoryEngineLease({ table, ownerId, ttlMs }),
    elapse: async (ms) => clock.advance(ms),
    restart: async () => {
      clock.advance(1000);
      table.clear();
    },
    close: async () => undefined,
  };
});

describe('MemoryEngineLease', () => {
  it('uses the clock for epochs, so they rise past a restart even when counters restart', async () => {
    const clock = new ManualClock(T0);
    const table = new MemoryEngineLeaseTable(clock);
    const lease = new MemoryEngineLease({ table, ownerId: 'a' });
    expect(await lease.tryAcquire()).toBe(T0);
    expect(await lease.tryAcquire()).toBe(T0 + 1);
    table.clear();
    clock.advance(5);
    expect(await lease.tryAcquire()).toBe(T0 + 5);
  });

  it('expires exactly at the TTL by the table clock', async () => {
    const clock = new ManualClock(T0);
    const table = new MemoryEngineLeaseTable(clock);
    const a = new MemoryEngineLease({ table, ownerId: 'a', ttlMs: 100 });
    const b = new MemoryEngineLease({ table, ownerId: 'b', ttlMs: 100 });
    await a.tryAcquire();
    clock.advance(99);
    expect(await b.tryAcquire()).toBeUndefined();
    clock.advance(1);
    expect(await b.tryAcquire()).toBe(T0 + 100);
  });

  it('has defaults and refuses bad options', () => {
    const lease = new MemoryEngineLease();
    expect(lease.ttlMs).toBe(3000);
    expect(lease.ownerId).toMatch(/^engine-[0-9a-f-]{36}$/);
    expect(() => new MemoryEngineLease({ ttlMs: 0 })).toThrow(InvalidConfigError);
    expect(() => new MemoryEngineLease({ ownerId: '' })).toThrow(/ownerId/);
  });
});

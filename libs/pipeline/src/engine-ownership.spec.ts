import { setTimeout as delay } from 'node:timers/promises';
import { InvalidConfigError, ManualClock, ServiceUnavailableError, systemClock } from '@mdg/model';
import { eventually } from '@mdg/testing';
import type { EngineLease } from './engine-lease';
import { EngineOwnership, type EngineOwnershipOptions } from './engine-ownership';
import { MemoryEngineLease } from './memory-engine-lease';
import { MemoryEngineLeaseTable } from './memory-engine-lease-table';
import { MemoryEngineStateStore } from './memory-engine-state-store';

type Event = { kind: 'promoted'; epoch: number; at: number } | { kind: 'demoted'; reason: 'lost' | 'stopped'; at: number };

/** A lease whose calls can be made to hang (a frozen or killed process), fail (Redis down) or be refused. */
class FaultyLease implements EngineLease {
  mode: 'ok' | 'hang' | 'reject' | 'refuse-renew' = 'ok';
  calls = 0;
  /** When set, tryAcquire waits for it first (a slow round trip). */
  gate: Promise<void> | undefined;

  constructor(private readonly inner: EngineLease) {}

  get ownerId(): string {
    return this.inner.ownerId;
  }

  get ttlMs(): number {
    return this.inner.ttlMs;
  }

  async tryAcquire(): Promise<number | undefined> {
    await this.gate;
    return this.fault() ?? this.inner.tryAcquire();
  }

  renew(): Promise<boolean> {
    if (this.mode === 'refuse-renew') return Promise.resolve(false);
    return this.fault() ?? this.inner.renew();
  }

  release(): Promise<void> {
    return this.fault() ?? this.inner.release();
  }

  current(): Promise<{ ownerId: string; epoch: number } | undefined> {
    return this.inner.current();
  }

  private fault(): Promise<never> | undefined {
    this.calls += 1;
    if (this.mode === 'hang') return new Promise<never>(() => undefined);
    if (this.mode === 'reject') return Promise.reject(new ServiceUnavailableError('redis', 'connection refused'));
    return undefined;
  }
}

interface Engine {
  ownership: EngineOwnership;
  events: Event[];
  errors: Error[];
  promotions(): number[];
}

const running: EngineOwnership[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((ownership) => ownership.stop()));
});

/** An EngineOwnership whose callbacks are recorded; every test also checks they alternate. */
function engine(lease: EngineLease, overrides: Partial<EngineOwnershipOptions> = {}): Engine {
  const events: Event[] = [];
  const errors: Error[] = [];
  const record = (event: Event): void => {
    const previous = events[events.length - 1];
    // Never two promotions without a demotion between, and never a demotion without a promotion.
    expect(event.kind).toBe(previous?.kind === 'promoted' ? 'demoted' : 'promoted');
    events.push(event);
  };
  const ownership = new EngineOwnership({
    lease,
    renewIntervalMs: Math.floor(lease.ttlMs / 4),
    retryIntervalMs: 40,
    onPromoted: async (epoch) => {
      expect(ownership.isOwner()).toBe(true);
      expect(ownership.epoch()).toBe(epoch);
      record({ kind: 'promoted', epoch, at: Date.now() });
    },
    onDemoted: async (reason) => record({ kind: 'demoted', reason, at: Date.now() }),
    onError: (error) => errors.push(error),
    ...overrides,
  });
  running.push(ownership);
  return {
    ownership,
    events,
    errors,
    promotions: () => events.flatMap((event) => (event.kind === 'promoted' ? [event.epoch] : [])),
  };
}

function promoted(one: Engine): () => Promise<boolean> {
  return async () => one.ownership.isOwner() && one.events[one.events.length - 1]?.kind === 'promoted';
}

function table(clock = systemClock): MemoryEngineLeaseTable {
  return new MemoryEngineLeaseTable(clock);
}

describe('EngineOwnership', () => {
  it('promotes at once when the lease is free, keeps it by renewing, and stop() demotes then releases', async () => {
    const shared = table();
    const lease = new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 200 });
    const a = engine(lease);
    a.ownership.start();
    await eventually(promoted(a), { timeoutMs: 1000, what: 'promotion' });
    const epoch = a.ownership.epoch()!;
    expect(await lease.current()).toEqual({ ownerId: 'a', epoch });
    await delay(700); // several TTLs: only renewing keeps it
    expect(a.ownership.isOwner()).toBe(true);
    expect(a.events).toHaveLength(1);
    expect(await lease.current()).toEqual({ ownerId: 'a', epoch });
    await a.ownership.stop();
    expect(a.events.map((event) => event.kind === 'demoted' && event.reason)).toEqual([false, 'stopped']);
    expect(a.ownership.isOwner()).toBe(false);
    expect(a.ownership.epoch()).toBeUndefined();
    expect(await lease.current()).toBeUndefined();
    expect(a.errors).toEqual([]);
  });

  it('keeps a standby waiting while the owner renews; a clean stop hands over at once', async () => {
    const shared = table();
    const a = engine(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 1500 }));
    const b = engine(new MemoryEngineLease({ table: shared, ownerId: 'b', ttlMs: 1500 }));
    a.ownership.start();
    await eventually(promoted(a), { timeoutMs: 1000, what: 'a promoted' });
    b.ownership.start();
    await delay(300);
    expect(b.events).toEqual([]);
    expect(b.ownership.isOwner()).toBe(false);
    const stoppedAt = Date.now();
    await a.ownership.stop();
    await eventually(promoted(b), { timeoutMs: 1000, what: 'b promoted' });
    // Within a retry interval, far below the 1500 ms TTL.
    expect(b.events[0]!.at - stoppedAt).toBeLessThan(300);
    expect(b.promotions()[0]).toBeGreaterThan(a.promotions()[0]!);
    expect(a.events.map((event) => event.kind)).toEqual(['promoted', 'demoted']);
  });

  it('fails over within TTL + retry interval when the owner stops renewing without releasing (kill -9)', async () => {
    const shared = table();
    const ttlMs = 400;
    const frozen = new FaultyLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs }));
    const a = engine(frozen);
    const b = engine(new MemoryEngineLease({ table: shared, ownerId: 'b', ttlMs }));
    a.ownership.start();
    await eventually(promoted(a), { timeoutMs: 1000, what: 'a promoted' });
    b.ownership.start();
    await delay(2 * ttlMs);
    expect(b.events).toEqual([]);
    const killedAt = Date.now();
    frozen.mode = 'hang';
    await eventually(promoted(b), { timeoutMs: 3000, what: 'b promoted' });
    const failover = b.events[0]!.at - killedAt;
    expect(failover).toBeGreaterThan(ttlMs - ttlMs / 4 - 50); // the last renew was at most a renew interval before
    expect(failover).toBeLessThan(ttlMs + 40 + 150);
    expect(b.promotions()[0]).toBeGreaterThan(a.promotions()[0]!);
    // The frozen owner's own watchdog demoted it once no renew succeeded for a TTL.
    await eventually(async () => a.events.length === 2, { timeoutMs: 1000, what: 'a demoted' });
    expect(a.events[1]).toMatchObject({ kind: 'demoted', reason: 'lost' });
    expect(a.ownership.isOwner()).toBe(false);
  });

  it('demotes with lost when another engine took the lease over, and stays standby while it is held', async () => {
    const clock = new ManualClock(1_775_001_600_000);
    const shared = table(clock);
    const a = engine(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 1000 }));
    a.ownership.start();
    await eventually(promoted(a), { timeoutMs: 1000, what: 'a promoted' });
    // The backend's clock says the lease expired (a stall, say) and another engine took it.
    clock.advance(1001);
    const usurper = new MemoryEngineLease({ table: shared, ownerId: 'b', ttlMs: 1000 });
    const epoch = await usurper.tryAcquire();
    expect(epoch).toBeGreaterThan(a.promotions()[0]!);
    await eventually(async () => a.events.length === 2, { timeoutMs: 1000, what: 'a demoted' });
    expect(a.events[1]).toMatchObject({ kind: 'demoted', reason: 'lost' });
    await delay(300);
    expect(a.events).toHaveLength(2);
    expect(await usurper.current()).toEqual({ ownerId: 'b', epoch });
    // Once it is free again, the standby takes it with a new epoch.
    await usurper.release();
    await eventually(promoted(a), { timeoutMs: 1000, what: 'a promoted again' });
    expect(a.promotions()[1]).toBeGreaterThan(epoch!);
  });

  it('rides out renew failures shorter than the TTL; failures lasting the TTL demote it', async () => {
    const shared = table();
    const ttlMs = 600;
    const flaky = new FaultyLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs }));
    const a = engine(flaky);
    a.ownership.start();
    await eventually(promoted(a), { timeoutMs: 1000, what: 'a promoted' });
    flaky.mode = 'reject';
    await delay(ttlMs / 3);
    flaky.mode = 'ok';
    await delay(ttlMs);
    expect(a.events).toHaveLength(1);
    expect(a.errors.length).toBeGreaterThanOrEqual(1);
    expect(a.errors[0]).toBeInstanceOf(ServiceUnavailableError);
    const failingSince = Date.now();
    flaky.mode = 'reject';
    await eventually(async () => a.events.length === 2, { timeoutMs: 2000, what: 'a demoted' });
    expect(a.events[1]).toMatchObject({ kind: 'demoted', reason: 'lost' });
    expect(a.events[1]!.at - failingSince).toBeLessThan(ttlMs + 100);
    expect(a.ownership.isOwner()).toBe(false);
    // Redis is back: the engine becomes the owner again, under a new epoch.
    flaky.mode = 'ok';
    await eventually(promoted(a), { timeoutMs: 2000, what: 'a promoted again' });
    expect(a.promotions()[1]).toBeGreaterThan(a.promotions()[0]!);
  });

  it('demotes with lost when a renew is refused, then competes again', async () => {
    const shared = table();
    const refusing = new FaultyLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 300 }));
    const a = engine(refusing);
    a.ownership.start();
    await eventually(promoted(a), { timeoutMs: 1000, what: 'a promoted' });
    refusing.mode = 'refuse-renew';
    await eventually(async () => a.events.length === 2, { timeoutMs: 1000, what: 'a demoted' });
    expect(a.events[1]).toMatchObject({ kind: 'demoted', reason: 'lost' });
    refusing.mode = 'ok';
    await eventually(promoted(a), { timeoutMs: 1000, what: 'a promoted again' });
    expect(a.promotions()[1]).toBeGreaterThan(a.promotions()[0]!);
  });

  it('treats a failed onPromoted as a lost term: reported, demoted, released, retried', async () => {
    const shared = table();
    const lease = new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 5000 });
    let attempts = 0;
    const a = engine(lease, {
      onPromoted: async (epoch) => {
        attempts += 1;
        a.events.push({ kind: 'promoted', epoch, at: Date.now() });
        if (attempts === 1) throw new Error('restore failed');
      },
    });
    a.ownership.start();
    await eventually(async () => attempts === 2, { timeoutMs: 1000, what: 'second promotion' });
    expect(a.errors.map((error) => error.message)).toEqual(['restore failed']);
    expect(a.events.map((event) => (event.kind === 'demoted' ? event.reason : 'promoted'))).toEqual(['promoted', 'lost', 'promoted']);
    expect(a.promotions()[1]).toBeGreaterThan(a.promotions()[0]!);
    expect(a.ownership.isOwner()).toBe(true);
  });

  it('stop() during onPromoted waits for it, then demotes with stopped and releases', async () => {
    const shared = table();
    const lease = new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 200 });
    let finishPromotion!: () => void;
    const slowPromotion = new Promise<void>((resolve) => (finishPromotion = resolve));
    let promoting = false;
    const a = engine(lease, {
      onPromoted: async (epoch) => {
        a.events.push({ kind: 'promoted', epoch, at: Date.now() });
        promoting = true;
        await slowPromotion;
      },
    });
    a.ownership.start();
    await eventually(async () => promoting, { timeoutMs: 1000, what: 'promotion started' });
    let stopped = false;
    const stopping = a.ownership.stop().then(() => (stopped = true));
    await delay(500); // longer than the TTL: renewing went on during the slow promotion
    expect(stopped).toBe(false);
    expect(await lease.current()).toMatchObject({ ownerId: 'a' });
    finishPromotion();
    await stopping;
    expect(a.events.map((event) => (event.kind === 'demoted' ? event.reason : 'promoted'))).toEqual(['promoted', 'stopped']);
    expect(await lease.current()).toBeUndefined();
  });

  it('keeps renewing while onDemoted(stopped) flushes, so a final save under the epoch is accepted', async () => {
    const shared = table();
    const lease = new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 200 });
    const store = new MemoryEngineStateStore({ table: shared });
    let saved: boolean | undefined;
    const a = engine(lease, {
      onDemoted: async (reason) => {
        a.events.push({ kind: 'demoted', reason, at: Date.now() });
        await delay(500);
        saved = await store.save(epoch, { candles: [{ instrument: 'BTC', timeframe: 60, finalizedThrough: null, lastFinalClose: null, buckets: [] }], tickers: [] });
      },
    });
    a.ownership.start();
    await eventually(promoted(a), { timeoutMs: 1000, what: 'a promoted' });
    const epoch = a.ownership.epoch()!;
    await a.ownership.stop();
    expect(saved).toBe(true);
    expect(await lease.current()).toBeUndefined();
    expect((await store.load()).candles).toHaveLength(1);
  });

  it('a stop while standby calls nothing; start twice is refused; stop is idempotent', async () => {
    const shared = table();
    const holder = new MemoryEngineLease({ table: shared, ownerId: 'holder', ttlMs: 10_000 });
    await holder.tryAcquire();
    const lease = new FaultyLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 300 }));
    const a = engine(lease);
    await a.ownership.stop(); // before start: nothing to do
    const b = engine(lease);
    b.ownership.start();
    expect(() => b.ownership.start()).toThrow(/once/);
    await delay(150);
    expect(lease.calls).toBeGreaterThanOrEqual(2); // retried every 40 ms
    await b.ownership.stop();
    await b.ownership.stop();
    const calls = lease.calls;
    await delay(150);
    expect(lease.calls).toBe(calls);
    expect(b.events).toEqual([]);
    expect(await holder.current()).toMatchObject({ ownerId: 'holder' });
  });

  it('an acquire that succeeds while stopping is given back without a promotion', async () => {
    const shared = table();
    let open!: () => void;
    const slow = new FaultyLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 300 }));
    slow.gate = new Promise<void>((resolve) => (open = resolve));
    const a = engine(slow);
    a.ownership.start();
    const stopping = a.ownership.stop();
    open();
    await stopping;
    expect(a.events).toEqual([]);
    expect(await slow.current()).toBeUndefined();
    expect(slow.calls).toBe(2); // the acquire, then the release
  });

  it('has exactly one owner at a time through a chain of hand-overs and crashes, with rising epochs', async () => {
    const shared = table();
    const ttlMs = 300;
    const all: { one: Engine; lease: FaultyLease }[] = [];
    const join = (): void => {
      const lease = new FaultyLease(new MemoryEngineLease({ table: shared, ownerId: `e${all.length}`, ttlMs }));
      const one = engine(lease);
      all.push({ one, lease });
      one.ownership.start();
    };
    const owners = (): { one: Engine; lease: FaultyLease }[] => all.filter(({ one, lease }) => lease.mode === 'ok' && one.ownership.isOwner());
    for (let i = 0; i < 3; i++) join();
    const epochs: number[] = [];
    let overlaps = 0;
    const sampler = setInterval(() => {
      if (owners().length > 1) overlaps += 1;
    }, 5);
    try {
      for (let round = 0; round < 6; round++) {
        await eventually(async () => owners().length === 1, { timeoutMs: 2000, what: `an owner in round ${round}` });
        const [current] = owners();
        epochs.push(current!.one.ownership.epoch()!);
        if (round % 2 === 0) await current!.one.ownership.stop();
        else current!.lease.mode = 'hang'; // crashed: neither renews nor releases
        join();
      }
    } finally {
      clearInterval(sampler);
    }
    expect(overlaps).toBe(0);
    for (let i = 1; i < epochs.length; i++) expect(epochs[i]).toBeGreaterThan(epochs[i - 1]!);
  });

  it('refuses intervals that cannot keep the lease', () => {
    const lease = new MemoryEngineLease({ ttlMs: 300 });
    const callbacks = { onPromoted: async () => undefined, onDemoted: async () => undefined };
    expect(() => new EngineOwnership({ lease, renewIntervalMs: 300, retryIntervalMs: 50, ...callbacks })).toThrow(InvalidConfigError);
    expect(() => new EngineOwnership({ lease, renewIntervalMs: 100, retryIntervalMs: 0, ...callbacks })).toThrow(/retryIntervalMs/);
    expect(() => new EngineOwnership({ lease, renewIntervalMs: 1.5, retryIntervalMs: 50, ...callbacks })).toThrow(/renewIntervalMs/);
  });
});

import { InvalidConfigError, ManualClock, ManualScheduler, ServiceUnavailableError } from '@mdg/model';
import type { EngineLease } from './engine-lease';
import { EngineOwnership, type EngineOwnershipOptions } from './engine-ownership';
import { MemoryEngineLease } from './memory-engine-lease';
import { MemoryEngineLeaseTable } from './memory-engine-lease-table';
import { MemoryEngineStateStore } from './memory-engine-state-store';
import { FaultyEngineLease } from './testing/faulty-engine-lease';

/*
 * Every test runs on a ManualScheduler: the ownership's renew timer, expiry watchdog, call
 * timeouts and standby pause, and (unless a test needs the backend's clock to differ) the lease
 * table's expiry, all read one virtual time. So the timing assertions are exact bounds, not
 * tolerances, and nothing sleeps.
 */

const START = 1_775_001_600_000;

type Event = { kind: 'promoted'; epoch: number; at: number } | { kind: 'demoted'; reason: 'lost' | 'stopped'; at: number };

interface Engine {
  ownership: EngineOwnership;
  events: Event[];
  errors: Error[];
  promotions(): number[];
}

/** Lets virtual time pass, 10 ms at a time, until `promise` settles (a stop waiting on a hung call's timeout needs time to pass). */
async function drive<T>(time: ManualScheduler, promise: Promise<T>, limitMs = 60_000): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => (settled = true));
  for (let waited = 0; !settled; waited += 10) {
    if (waited > limitMs) throw new Error(`still pending after ${limitMs} ms of virtual time`);
    await time.advanceAsync(10);
  }
  return watched;
}

/** Advances virtual time 1 ms at a time until `check` holds; `onStep` sees every intermediate state. */
async function runUntil(time: ManualScheduler, check: () => boolean, what: string, limitMs = 10_000, onStep?: () => void): Promise<void> {
  for (let waited = 0; !check(); waited += 1) {
    if (waited > limitMs) throw new Error(`${what} not reached within ${limitMs} ms of virtual time`);
    await time.advanceAsync(1);
    onStep?.();
  }
}

const running: { ownership: EngineOwnership; time: ManualScheduler }[] = [];

afterEach(async () => {
  for (const { ownership, time } of running.splice(0)) await drive(time, ownership.stop());
});

/** An EngineOwnership on `time` whose callbacks are recorded; every test also checks they alternate. */
function engine(lease: EngineLease, time: ManualScheduler, overrides: Partial<EngineOwnershipOptions> = {}): Engine {
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
    scheduler: time,
    onPromoted: async (epoch) => {
      expect(ownership.isOwner()).toBe(true);
      expect(ownership.epoch()).toBe(epoch);
      record({ kind: 'promoted', epoch, at: time.now() });
    },
    onDemoted: async (reason) => record({ kind: 'demoted', reason, at: time.now() }),
    onError: (error) => errors.push(error),
    ...overrides,
  });
  running.push({ ownership, time });
  return {
    ownership,
    events,
    errors,
    promotions: () => events.flatMap((event) => (event.kind === 'promoted' ? [event.epoch] : [])),
  };
}

function promoted(one: Engine): boolean {
  return one.ownership.isOwner() && one.events[one.events.length - 1]?.kind === 'promoted';
}

/** Virtual time, and a lease table that judges expiry by it (like Redis by its server clock). */
function world(): { time: ManualScheduler; shared: MemoryEngineLeaseTable } {
  const time = new ManualScheduler(START);
  return { time, shared: new MemoryEngineLeaseTable(time) };
}

describe('EngineOwnership', () => {
  it('promotes at once when the lease is free, keeps it by renewing, and stop() demotes then releases', async () => {
    const { time, shared } = world();
    const lease = new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 200 });
    const a = engine(lease, time);
    a.ownership.start();
    await time.advanceAsync(0);
    expect(promoted(a)).toBe(true);
    const epoch = a.ownership.epoch()!;
    expect(await lease.current()).toEqual({ ownerId: 'a', epoch });
    await time.advanceAsync(10 * 200); // ten TTLs: only renewing keeps it
    expect(a.ownership.isOwner()).toBe(true);
    expect(a.events).toHaveLength(1);
    expect(await lease.current()).toEqual({ ownerId: 'a', epoch });
    await drive(time, a.ownership.stop());
    expect(a.events.map((event) => event.kind === 'demoted' && event.reason)).toEqual([false, 'stopped']);
    expect(a.ownership.isOwner()).toBe(false);
    expect(a.ownership.epoch()).toBeUndefined();
    expect(await lease.current()).toBeUndefined();
    expect(a.errors).toEqual([]);
    // Every timer (renew, watchdog, call timeouts) was released.
    expect(time.pendingCount()).toBe(0);
  });

  it('keeps a standby waiting while the owner renews; a clean stop hands over within one retry interval', async () => {
    const { time, shared } = world();
    const a = engine(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 1500 }), time);
    const b = engine(new MemoryEngineLease({ table: shared, ownerId: 'b', ttlMs: 1500 }), time);
    a.ownership.start();
    await time.advanceAsync(0);
    expect(promoted(a)).toBe(true);
    b.ownership.start();
    await time.advanceAsync(3000); // two TTLs
    expect(b.events).toEqual([]);
    expect(b.ownership.isOwner()).toBe(false);
    const stoppedAt = time.now();
    await a.ownership.stop();
    await runUntil(time, () => promoted(b), 'b promoted');
    // Within a retry interval, far below the 1500 ms TTL.
    expect(b.events[0]!.at - stoppedAt).toBeLessThanOrEqual(40);
    expect(b.promotions()[0]).toBeGreaterThan(a.promotions()[0]!);
    expect(a.events.map((event) => event.kind)).toEqual(['promoted', 'demoted']);
  });

  it('fails over within TTL + retry interval when the owner stops renewing without releasing (kill -9)', async () => {
    const { time, shared } = world();
    const ttlMs = 400;
    const frozen = new FaultyEngineLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs }));
    const a = engine(frozen, time);
    const b = engine(new MemoryEngineLease({ table: shared, ownerId: 'b', ttlMs }), time);
    a.ownership.start();
    await time.advanceAsync(0);
    b.ownership.start();
    await time.advanceAsync(2 * ttlMs + 30); // the kill lands between two renewals
    expect(b.events).toEqual([]);
    const killedAt = time.now();
    frozen.mode = 'hang';
    await runUntil(time, () => promoted(b), 'b promoted');
    const failover = b.events[0]!.at - killedAt;
    // The last renew was at most a renew interval before the kill; the standby retries every 40 ms.
    expect(failover).toBeGreaterThan(ttlMs - ttlMs / 4);
    expect(failover).toBeLessThanOrEqual(ttlMs + 40);
    expect(b.promotions()[0]).toBeGreaterThan(a.promotions()[0]!);
    // The frozen owner's own watchdog demoted it once no renew succeeded for a TTL: no later than the successor started.
    expect(a.events[1]).toMatchObject({ kind: 'demoted', reason: 'lost' });
    expect(a.events[1]!.at).toBeLessThanOrEqual(b.events[0]!.at);
    expect(a.ownership.isOwner()).toBe(false);
    expect(a.errors.some((error) => error instanceof ServiceUnavailableError && /did not answer within/.test(error.message))).toBe(true);
  });

  it('demotes with lost when another engine took the lease over, and stays standby while it is held', async () => {
    // The backend's clock runs apart from the engine's here: it says the lease expired (a stall, say).
    const time = new ManualScheduler(START);
    const backend = new ManualClock(START);
    const shared = new MemoryEngineLeaseTable(backend);
    const a = engine(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 1000 }), time);
    a.ownership.start();
    await time.advanceAsync(0);
    expect(promoted(a)).toBe(true);
    backend.advance(1001);
    const usurper = new MemoryEngineLease({ table: shared, ownerId: 'b', ttlMs: 1000 });
    const epoch = await usurper.tryAcquire();
    expect(epoch).toBeGreaterThan(a.promotions()[0]!);
    await time.advanceAsync(250); // the next renew is refused
    expect(a.events[1]).toEqual({ kind: 'demoted', reason: 'lost', at: START + 250 });
    await time.advanceAsync(1000);
    expect(a.events).toHaveLength(2);
    expect(await usurper.current()).toEqual({ ownerId: 'b', epoch });
    // Once it is free again, the standby takes it with a new epoch.
    await usurper.release();
    await time.advanceAsync(40);
    expect(promoted(a)).toBe(true);
    expect(a.promotions()[1]).toBeGreaterThan(epoch!);
  });

  it('rides out renew failures shorter than the TTL; failures lasting the TTL demote it', async () => {
    const { time, shared } = world();
    const ttlMs = 600;
    const flaky = new FaultyEngineLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs }));
    const a = engine(flaky, time);
    a.ownership.start();
    await time.advanceAsync(0);
    flaky.mode = 'reject';
    await time.advanceAsync(ttlMs / 3);
    flaky.mode = 'ok';
    await time.advanceAsync(ttlMs);
    expect(a.events).toHaveLength(1);
    expect(a.errors.length).toBeGreaterThanOrEqual(1);
    expect(a.errors[0]).toBeInstanceOf(ServiceUnavailableError);
    const failingSince = time.now();
    flaky.mode = 'reject';
    await runUntil(time, () => a.events.length === 2, 'a demoted');
    expect(a.events[1]).toMatchObject({ kind: 'demoted', reason: 'lost' });
    // The lease is surely held until a TTL after the last successful renew was sent, and no longer.
    expect(a.events[1]!.at - failingSince).toBeLessThanOrEqual(ttlMs);
    expect(a.events[1]!.at - failingSince).toBeGreaterThan(ttlMs - ttlMs / 4);
    expect(a.ownership.isOwner()).toBe(false);
    // Redis is back: the engine becomes the owner again, under a new epoch.
    flaky.mode = 'ok';
    await runUntil(time, () => promoted(a), 'a promoted again');
    expect(a.promotions()[1]).toBeGreaterThan(a.promotions()[0]!);
  });

  it('demotes with lost when a renew is refused, then competes again', async () => {
    const { time, shared } = world();
    const refusing = new FaultyEngineLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 300 }));
    const a = engine(refusing, time);
    a.ownership.start();
    await time.advanceAsync(0);
    refusing.mode = 'refuse-renew';
    await time.advanceAsync(75); // one renew interval
    expect(a.events[1]).toEqual({ kind: 'demoted', reason: 'lost', at: START + 75 });
    refusing.mode = 'ok';
    await time.advanceAsync(40);
    expect(promoted(a)).toBe(true);
    expect(a.promotions()[1]).toBeGreaterThan(a.promotions()[0]!);
  });

  it('treats a failed onPromoted as a lost term: reported, demoted, released, retried', async () => {
    const { time, shared } = world();
    const lease = new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 5000 });
    let attempts = 0;
    const a = engine(lease, time, {
      onPromoted: async (epoch) => {
        attempts += 1;
        a.events.push({ kind: 'promoted', epoch, at: time.now() });
        if (attempts === 1) throw new Error('restore failed');
      },
    });
    a.ownership.start();
    await time.advanceAsync(0);
    expect(attempts).toBe(1);
    expect(await lease.current()).toBeUndefined(); // released at once, not left to expire
    await time.advanceAsync(40);
    expect(attempts).toBe(2);
    expect(a.errors.map((error) => error.message)).toEqual(['restore failed']);
    expect(a.events.map((event) => (event.kind === 'demoted' ? event.reason : 'promoted'))).toEqual(['promoted', 'lost', 'promoted']);
    expect(a.promotions()[1]).toBeGreaterThan(a.promotions()[0]!);
    expect(a.ownership.isOwner()).toBe(true);
  });

  it('stop() during onPromoted waits for it, then demotes with stopped and releases', async () => {
    const { time, shared } = world();
    const lease = new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 200 });
    let finishPromotion!: () => void;
    const slowPromotion = new Promise<void>((resolve) => (finishPromotion = resolve));
    const a = engine(lease, time, {
      onPromoted: async (epoch) => {
        a.events.push({ kind: 'promoted', epoch, at: time.now() });
        await slowPromotion;
      },
    });
    a.ownership.start();
    await time.advanceAsync(0);
    expect(a.events).toHaveLength(1);
    let stopped = false;
    const stopping = a.ownership.stop().then(() => (stopped = true));
    await time.advanceAsync(5 * 200); // far longer than the TTL: renewing goes on during the slow promotion
    expect(stopped).toBe(false);
    expect(await lease.current()).toMatchObject({ ownerId: 'a' });
    finishPromotion();
    await drive(time, stopping);
    expect(a.events.map((event) => (event.kind === 'demoted' ? event.reason : 'promoted'))).toEqual(['promoted', 'stopped']);
    expect(await lease.current()).toBeUndefined();
  });

  it('keeps renewing while onDemoted(stopped) flushes, so a final save under the epoch is accepted', async () => {
    const { time, shared } = world();
    const lease = new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 200 });
    const store = new MemoryEngineStateStore({ table: shared });
    let saved: boolean | undefined;
    const a = engine(lease, time, {
      onDemoted: async (reason) => {
        a.events.push({ kind: 'demoted', reason, at: time.now() });
        await new Promise<void>((resolve) => time.after(500, resolve)); // a slow flush: over two TTLs
        saved = await store.save(epoch, {
          candles: [{ instrument: 'BTC', timeframe: 60, finalizedThrough: null, lastFinalClose: null, buckets: [] }],
          tickers: [],
        });
      },
    });
    a.ownership.start();
    await time.advanceAsync(0);
    const epoch = a.ownership.epoch()!;
    await drive(time, a.ownership.stop());
    expect(saved).toBe(true);
    expect(await lease.current()).toBeUndefined();
    expect((await store.load()).candles).toHaveLength(1);
  });

  it('a stop while standby calls nothing; start twice is refused; stop is idempotent and leaves no timer', async () => {
    const { time, shared } = world();
    const holder = new MemoryEngineLease({ table: shared, ownerId: 'holder', ttlMs: 10_000 });
    await holder.tryAcquire();
    const lease = new FaultyEngineLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 300 }));
    const a = engine(lease, time);
    await a.ownership.stop(); // before start: nothing to do
    const b = engine(lease, time);
    b.ownership.start();
    expect(() => b.ownership.start()).toThrow(/once/);
    await time.advanceAsync(150);
    expect(lease.calls).toBe(4); // at 0, 40, 80 and 120 ms
    await b.ownership.stop();
    await b.ownership.stop();
    expect(time.pendingCount()).toBe(0);
    await time.advanceAsync(150);
    expect(lease.calls).toBe(4);
    expect(b.events).toEqual([]);
    expect(await holder.current()).toMatchObject({ ownerId: 'holder' });
  });

  it('an acquire that succeeds while stopping is given back without a promotion', async () => {
    const { time, shared } = world();
    let open!: () => void;
    const slow = new FaultyEngineLease(new MemoryEngineLease({ table: shared, ownerId: 'a', ttlMs: 300 }));
    slow.gate = new Promise<void>((resolve) => (open = resolve));
    const a = engine(slow, time);
    a.ownership.start();
    const stopping = a.ownership.stop();
    open();
    await drive(time, stopping);
    expect(a.events).toEqual([]);
    expect(await slow.current()).toBeUndefined();
    expect(slow.calls).toBe(2); // the acquire, then the release
  });

  it('has exactly one owner at every millisecond through a chain of hand-overs and crashes, with rising epochs', async () => {
    const { time, shared } = world();
    const ttlMs = 300;
    const all: { one: Engine; lease: FaultyEngineLease }[] = [];
    const join = (): void => {
      const lease = new FaultyEngineLease(new MemoryEngineLease({ table: shared, ownerId: `e${all.length}`, ttlMs }));
      const one = engine(lease, time);
      all.push({ one, lease });
      one.ownership.start();
    };
    const owners = (): { one: Engine; lease: FaultyEngineLease }[] => all.filter(({ one, lease }) => lease.mode === 'ok' && one.ownership.isOwner());
    for (let i = 0; i < 3; i++) join();
    const epochs: number[] = [];
    let overlaps = 0;
    const countOverlap = (): void => {
      if (owners().length > 1) overlaps += 1;
    };
    for (let round = 0; round < 6; round++) {
      await runUntil(time, () => owners().length === 1, `an owner in round ${round}`, 2000, countOverlap);
      const [current] = owners();
      epochs.push(current!.one.ownership.epoch()!);
      if (round % 2 === 0) await current!.one.ownership.stop();
      else current!.lease.mode = 'hang'; // crashed: neither renews nor releases
      join();
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

import { setTimeout as delay } from 'node:timers/promises';
import { InvalidHistoryError, type CandleUpdate } from '@mdg/model';
import { eventually } from '@mdg/testing';
import { testCandle } from './testing';
import type { CandleRange, CandleRangeQuery, CandleStore, PruneResult } from './candle-store';
import type { FinalCandle } from './final-candle';
import { FinalCandleLinker } from './final-candle-linker';
import type { HistoryRequest } from './history-request';
import type { HistorySeam } from './history-seam';
import { HistoryService, type HistoryServiceOptions } from './history-service';
import { MemoryCandleStore } from './memory-candle-store';
import type { SeamOutput } from './seam-output';

const T = 1_746_026_160_000;
const TF = 1;
const at = (bucket: number): number => T + bucket * TF * 1000;
const bucketOf = (time: number): number => (time - T) / (TF * 1000);

/** A memory store whose writes wait for `flush()` (a worker that lags) or are lost (`lose`). */
class LaggingStore implements CandleStore {
  readonly inner = new MemoryCandleStore({ retention: { 1: 3_600_000 } });
  readonly held: FinalCandle[] = [];
  readonly lose = new Set<number>();
  /** Writes applied by themselves after a random delay up to this, in order (a worker processing its queue). */
  automaticLagMs: number | undefined;
  private appliedAt = 0;
  failReads = false;
  /** Reads wait for this when set (a slow query). */
  gate: Promise<void> | undefined;

  upsert(candles: readonly FinalCandle[]): Promise<void> {
    const kept = candles.filter((final) => !this.lose.has(final.candle.time));
    if (this.automaticLagMs !== undefined) {
      this.appliedAt = Math.max(this.appliedAt, Date.now() + Math.random() * this.automaticLagMs);
      setTimeout(() => void this.inner.upsert(kept), this.appliedAt - Date.now());
      return Promise.resolve();
    }
    this.held.push(...kept);
    return Promise.resolve();
  }

  flush(): void {
    void this.inner.upsert(this.held.splice(0));
  }

  async range(instrument: string, timeframe: number, query: CandleRangeQuery): Promise<CandleRange> {
    if (this.gate) await this.gate;
    if (this.failReads) throw new Error('store unreachable');
    return this.inner.range(instrument, timeframe, query);
  }

  prune(now: number): Promise<PruneResult> {
    return this.inner.prune(now);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * The engine side: publishes updates of one stream to the live subscribers, then hands the finals
 * to the store. `engineLinks`: stamps CandleUpdate.prev as the engine does (its last final, null
 * before the first); an older producer sends none.
 */
class Producer {
  readonly linker = new FinalCandleLinker();
  readonly listeners = new Set<(update: CandleUpdate) => void>();
  readonly finals: number[] = [];

  constructor(
    private readonly store: CandleStore,
    private readonly engineLinks: { lastFinal: number | null } | undefined = undefined,
  ) {}

  publish(bucket: number, closed: boolean): void {
    const links = this.engineLinks;
    const update: CandleUpdate = { instrument: 'A', timeframe: TF, candle: testCandle(at(bucket)), closed, ...(links ? { prev: links.lastFinal } : {}) };
    if (closed && links) links.lastFinal = at(bucket);
    if (closed) this.finals.push(bucket);
    for (const listener of [...this.listeners]) listener(update);
    void this.store.upsert(this.linker.link([update]));
  }
}

/** One subscriber as the endpoint would run it: attach to live first, push until settled, then deliver directly. */
class Subscriber {
  readonly outputs: SeamOutput<CandleUpdate>[] = [];
  settled = false;
  readonly seam: HistorySeam<CandleUpdate>;
  private readonly detach: () => void;

  /** `joinLive`: the answer waits for the first live update (as the endpoint's); otherwise it is told there is none. */
  constructor(service: HistoryService, producer: Producer, request: Omit<HistoryRequest, 'instrument' | 'timeframe'>, joinLive = false) {
    const listener = (update: CandleUpdate): void => {
      if (this.settled) this.outputs.push({ kind: 'live', item: update });
      else this.seam.push(update, update);
    };
    producer.listeners.add(listener);
    this.detach = () => producer.listeners.delete(listener);
    this.seam = service.open<CandleUpdate>({ instrument: 'A', timeframe: TF, ...request }, (outputs) => {
      for (const output of outputs) {
        this.outputs.push(output);
        if (output.kind === 'settled') this.settled = true;
      }
    });
    if (!joinLive) this.seam.noLiveState();
  }

  get answer(): Extract<SeamOutput<CandleUpdate>, { kind: 'history' }> | undefined {
    const first = this.outputs[0];
    return first?.kind === 'history' ? first : undefined;
  }

  /** Buckets of every final the client got, in the order it got them. */
  finals(): number[] {
    const buckets: number[] = [];
    for (const output of this.outputs) {
      if (output.kind === 'history') buckets.push(...output.candles.map((c) => bucketOf(c.time)));
      if (output.kind === 'recovered') buckets.push(bucketOf(output.candle.time));
      if (output.kind === 'live' && output.item.closed) buckets.push(bucketOf(output.item.candle.time));
    }
    return buckets;
  }

  kinds(): string[] {
    return this.outputs.map((output) => (output.kind === 'live' ? `live:${bucketOf(output.item.candle.time)}${output.item.closed ? 'F' : ''}` : output.kind));
  }

  close(): void {
    this.detach();
    this.seam.cancel();
  }
}

describe('HistoryService', () => {
  const errors: Error[] = [];
  const service = (store: CandleStore, options: Partial<HistoryServiceOptions> = {}): HistoryService =>
    new HistoryService({ store, seamTimeoutMs: 300, seamPollMs: 5, onError: (error) => errors.push(error), ...options });
  afterEach(() => {
    errors.length = 0;
  });

  it('answers history N with the newest N finals, oldest first, complete, then live with the seam settled at once', async () => {
    const store = new MemoryCandleStore();
    const producer = new Producer(store);
    for (let b = 0; b < 10; b++) producer.publish(b, true);
    const history = service(store);
    const client = new Subscriber(history, producer, { history: 4 });
    producer.publish(10, false);
    await eventually(async () => client.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(client.answer).toMatchObject({ complete: true });
    expect(client.answer!.candles.map((c) => bucketOf(c.time))).toEqual([6, 7, 8, 9]);
    expect(client.answer!.candles[0]).toEqual(testCandle(at(6)));
    producer.publish(10, true);
    producer.publish(11, false);
    expect(client.kinds()).toEqual(['history', 'live:10', 'live:10F', 'settled', 'live:11']);
    expect(history.stats()).toMatchObject({ answers: 1, incomplete: 0, candles: 4, open: 0 });
  });

  it('answers since with exactly the finals after it; complete unless the store lost some of them', async () => {
    const store = new MemoryCandleStore({ retention: { 1: 20_000 } });
    const producer = new Producer(store);
    for (let b = 0; b < 30; b++) if (b % 3 !== 1) producer.publish(b, true); // quiet buckets are no hole
    const history = service(store);
    const resumed = new Subscriber(history, producer, { since: at(20) });
    await eventually(async () => resumed.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(resumed.answer!.candles.map((c) => bucketOf(c.time))).toEqual([21, 23, 24, 26, 27, 29]);
    expect(resumed.answer!.complete).toBe(true);
    // Up to date: nothing after since, nothing lost.
    const current = new Subscriber(history, producer, { since: at(29) });
    await eventually(async () => current.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(current.answer).toEqual({ kind: 'history', candles: [], complete: true });
    // A limit smaller than the gap: the newest N, and the client is told it is not all.
    const limited = new Subscriber(history, producer, { since: at(20), history: 2 });
    await eventually(async () => limited.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(limited.answer!.candles.map((c) => bucketOf(c.time))).toEqual([27, 29]);
    expect(limited.answer!.complete).toBe(false);
    // Retention removed what follows since: the store says so.
    await store.prune(at(30));
    const tooOld = new Subscriber(history, producer, { since: at(5) });
    await eventually(async () => tooOld.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(tooOld.answer!.candles.map((c) => bucketOf(c.time))).toEqual([11, 12, 14, 15, 17, 18, 20, 21, 23, 24, 26, 27, 29]);
    expect(tooOld.answer!.complete).toBe(false);
    // ... and history N over a pruned stream is short and incomplete.
    const longer = new Subscriber(history, producer, { history: 50 });
    await eventually(async () => longer.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(longer.answer!.complete).toBe(false);
    for (const client of [resumed, current, limited, tooOld, longer]) client.close();
  });

  it('skips live updates the answer already covers while the store is read', async () => {
    const store = new LaggingStore();
    store.automaticLagMs = 0;
    const producer = new Producer(store);
    for (let b = 0; b < 5; b++) producer.publish(b, true);
    await eventually(async () => (await store.inner.range('A', TF, { limit: 10 })).candles.length === 5, { timeoutMs: 1000, what: 'stored' });
    let open!: () => void;
    store.gate = new Promise((resolve) => (open = resolve));
    const client = new Subscriber(service(store), producer, { history: 10 });
    producer.publish(5, false);
    producer.publish(5, true);
    producer.publish(6, false);
    await eventually(async () => (await store.inner.range('A', TF, { limit: 10 })).candles.length === 6, { timeoutMs: 1000, what: 'bucket 5 stored' });
    open();
    await eventually(async () => client.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    // The answer was read after bucket 5 was stored: its live final and open state are skipped.
    expect(client.kinds()).toEqual(['history', 'live:6']);
    expect(client.finals()).toEqual([0, 1, 2, 3, 4, 5]);
    producer.publish(6, true);
    expect(client.kinds()).toEqual(['history', 'live:6', 'live:6F', 'settled']);
    expect(client.finals()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('recovers the finals the store had not written yet when it was read, before the next live final', async () => {
    const store = new LaggingStore();
    const producer = new Producer(store);
    for (let b = 0; b < 6; b++) producer.publish(b, true);
    store.flush();
    producer.publish(6, true);
    producer.publish(7, true); // published, not yet stored
    const history = service(store);
    const client = new Subscriber(history, producer, { history: 100 });
    await eventually(async () => client.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(client.answer!.candles.map((c) => bucketOf(c.time))).toEqual([0, 1, 2, 3, 4, 5]);
    producer.publish(9, false);
    producer.publish(9, true); // the anchor: not next to 5, so the store must prove 6..8
    producer.publish(10, false);
    await delay(30);
    expect(client.settled).toBe(false);
    store.flush();
    await eventually(async () => client.settled, { timeoutMs: 1000, what: 'the seam settled' });
    expect(client.kinds()).toEqual(['history', 'live:9', 'recovered', 'recovered', 'live:9F', 'live:10', 'settled']);
    expect(client.finals()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9]);
    expect(history.stats()).toMatchObject({ recovered: 2, gaps: 0, open: 0 });
  });

  it('tells the client about a hole it cannot close, before the live final after it', async () => {
    const store = new LaggingStore();
    store.automaticLagMs = 0;
    const producer = new Producer(store);
    for (let b = 0; b < 4; b++) producer.publish(b, true);
    store.lose.add(at(4)); // dropped on the way to the store (a full queue buffer), just before the subscription
    producer.publish(4, true);
    await eventually(async () => (await store.inner.range('A', TF, { limit: 10 })).candles.length === 4, { timeoutMs: 1000, what: 'stored' });
    const history = service(store);
    const client = new Subscriber(history, producer, { history: 10 });
    await eventually(async () => client.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(client.answer!.candles.map((c) => bucketOf(c.time))).toEqual([0, 1, 2, 3]);
    const started = Date.now();
    producer.publish(5, true); // stored, linked to 4, which never comes
    producer.publish(6, true);
    await eventually(async () => client.settled, { timeoutMs: 2000, what: 'the seam given up' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(client.outputs).toContainEqual({ kind: 'gap', after: at(3), before: at(5) });
    expect(client.kinds()).toEqual(['history', 'gap', 'live:5F', 'live:6F', 'settled']);
    expect(history.stats()).toMatchObject({ gaps: 1, open: 0 });
  });

  it('gives up at once when the missing final is already past the store floor', async () => {
    const store = new LaggingStore();
    const producer = new Producer(store);
    for (let b = 0; b < 4; b++) producer.publish(b, true);
    store.flush();
    const client = new Subscriber(service(store, { seamTimeoutMs: 60_000 }), producer, { since: at(1) });
    await eventually(async () => client.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    producer.publish(6, true);
    producer.publish(7, true);
    // 6 links to 3, which the answer had; 7 links to 6 - but prune 6 away before the store sees 7.
    store.flush();
    await eventually(async () => client.settled, { timeoutMs: 1000, what: 'settled' });
    expect(client.finals()).toEqual([2, 3, 6, 7]);
    const lost = new Subscriber(service(store, { seamTimeoutMs: 60_000 }), producer, { since: at(7) });
    await eventually(async () => lost.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    producer.publish(8, true); // links to 7, stored after the prune below
    await store.inner.prune(at(8) + 3_600_000); // everything before 8 is past retention
    store.flush();
    await eventually(async () => lost.settled, { timeoutMs: 1000, what: 'settled' });
    expect(lost.kinds()).toEqual(['history', 'live:8F', 'settled']);
    const gone = new Subscriber(service(store, { seamTimeoutMs: 60_000 }), producer, { since: at(5) });
    await eventually(async () => gone.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(gone.answer!.complete).toBe(false);
    for (const one of [client, lost, gone]) one.close();
  });

  it("says complete:false when a write behind the answer's newest candle is still missing (a retried job)", async () => {
    const store = new LaggingStore();
    const producer = new Producer(store);
    for (let b = 0; b < 6; b++) producer.publish(b, true);
    const retried = store.held.splice(3, 1); // bucket 3's write failed; 4 and 5 went through
    store.flush();
    const client = new Subscriber(service(store), producer, { since: at(1) });
    await eventually(async () => client.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(client.answer!.candles.map((c) => bucketOf(c.time))).toEqual([2, 4, 5]);
    expect(client.answer!.complete).toBe(false);
    void store.inner.upsert(retried);
    const again = new Subscriber(service(store), producer, { since: at(1) });
    await eventually(async () => again.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    expect(again.answer).toMatchObject({ complete: true });
    expect(again.finals()).toEqual([2, 3, 4, 5]);
    for (const one of [client, again]) one.close();
  });

  it('answers complete:false without candles when the store cannot be read, and goes live', async () => {
    const store = new LaggingStore();
    store.failReads = true;
    const producer = new Producer(store);
    const history = service(store);
    const client = new Subscriber(history, producer, { since: at(3) });
    producer.publish(3, true); // at or before since: the client has it
    producer.publish(4, false);
    await eventually(async () => client.settled, { timeoutMs: 1000, what: 'settled' });
    expect(client.kinds()).toEqual(['history', 'live:4', 'settled']);
    expect(client.answer).toEqual({ kind: 'history', candles: [], complete: false });
    expect(history.stats()).toMatchObject({ storeFailures: 1, incomplete: 1, open: 0 });
    expect(errors.map((error) => error.message).join()).toMatch(/store unreachable/);
  });

  it('stops at cancel: nothing more is delivered, no timer is left', async () => {
    const store = new LaggingStore();
    const producer = new Producer(store);
    const history = service(store);
    const client = new Subscriber(history, producer, { history: 5 });
    await eventually(async () => client.answer !== undefined, { timeoutMs: 1000, what: 'the answer' });
    producer.publish(0, true);
    producer.publish(2, true);
    expect(client.seam.state).toBe('verify');
    client.close();
    expect(history.stats().open).toBe(0);
    store.flush();
    await delay(30);
    expect(client.kinds()).toEqual(['history']);
  });

  it('refuses requests without a valid history or since', () => {
    const history = service(new MemoryCandleStore());
    const deliver = (): void => undefined;
    expect(() => history.open({ instrument: 'A', timeframe: 1 }, deliver)).toThrow(InvalidHistoryError);
    expect(() => history.open({ instrument: 'A', timeframe: 1, history: 0 }, deliver)).toThrow(/history must be an integer from 1 to 1000/);
    expect(() => history.open({ instrument: 'A', timeframe: 1, history: 1001 }, deliver)).toThrow(InvalidHistoryError);
    expect(() => history.open({ instrument: 'A', timeframe: 1, since: -1 }, deliver)).toThrow(/since must be a time/);
    expect(() => new HistoryService({ store: new MemoryCandleStore(), seamTimeoutMs: 0 })).toThrow(/seamTimeoutMs/);
  });

  it('under load, with a store lagging at random, every client sees each final exactly once, in order', async () => {
    const store = new LaggingStore();
    store.automaticLagMs = 8;
    const producer = new Producer(store);
    const history = service(store, { seamTimeoutMs: 10_000 });
    const clients: Subscriber[] = [];
    let bucket = 0;
    for (let step = 0; step < 300; step++) {
      // A busy stream: several open states per bucket, then its final; now and then a quiet bucket.
      producer.publish(bucket, false);
      if (step % 3 === 2) {
        producer.publish(bucket, true);
        bucket += step % 7 === 0 ? 2 : 1;
      }
      if (step % 10 === 5) {
        const previous = clients.at(-1);
        const lastFinal = previous?.finals().at(-1);
        const request = lastFinal !== undefined && step % 20 === 5 ? { since: at(lastFinal) } : { history: 1 + (step % 40) };
        clients.push(new Subscriber(history, producer, request));
      }
      await delay(step % 4 === 0 ? 1 : 0);
    }
    producer.publish(bucket, true);
    await eventually(async () => clients.every((client) => client.settled), { timeoutMs: 5000, what: 'every seam settled' });
    for (const client of clients) {
      expect(client.answer?.complete).toBe(true);
      const finals = client.finals();
      expect(client.outputs.filter((output) => output.kind === 'gap')).toEqual([]);
      expect(finals).toEqual([...finals].sort((a, b) => a - b));
      expect(new Set(finals).size).toBe(finals.length);
      const first = finals[0]!;
      expect(finals).toEqual(producer.finals.filter((b) => b >= first));
    }
    expect(history.stats().open).toBe(0);
    for (const client of clients) client.close();
  });

  describe('with engine links (CandleUpdate.prev): the one answer carries the truth', () => {
    it('waits for the store to hold the finals before the first live update, and answers them complete', async () => {
      const store = new LaggingStore();
      const producer = new Producer(store, { lastFinal: null });
      for (let b = 0; b < 4; b++) producer.publish(b, true);
      store.flush();
      producer.publish(4, true);
      producer.publish(5, true); // 4 and 5 are published but not stored yet
      const client = new Subscriber(service(store, { seamTimeoutMs: 60_000 }), producer, { since: at(1) }, true);
      producer.publish(6, false);
      await eventually(async () => client.seam.state === 'query' && store.held.length === 2, { timeoutMs: 1000, what: 'the first live update' });
      expect(client.outputs).toEqual([]);
      store.flush();
      await eventually(async () => client.settled, { timeoutMs: 1000, what: 'settled' });
      expect(client.answer!.complete).toBe(true);
      expect(client.kinds()).toEqual(['history', 'live:6', 'settled']);
      expect(client.finals()).toEqual([2, 3, 4, 5]);
      client.close();
    });

    it('answers complete:false, in the answer, when the store cannot catch up before the deadline', async () => {
      const store = new LaggingStore();
      const producer = new Producer(store, { lastFinal: null });
      store.lose.add(at(3));
      for (let b = 0; b < 4; b++) producer.publish(b, true);
      store.flush();
      const client = new Subscriber(service(store, { seamTimeoutMs: 100 }), producer, { since: at(0) }, true);
      producer.publish(4, false);
      await eventually(async () => client.settled, { timeoutMs: 1000, what: 'settled' });
      expect(client.answer!.complete).toBe(false);
      expect(client.kinds()).toEqual(['history', 'live:4', 'settled']);
      client.close();
    });

    it('says complete:false after a restart without state (an embedded gateway), never a later error', async () => {
      const store = new MemoryCandleStore(); // the embedded store restarts empty too
      const producer = new Producer(store, { lastFinal: null });
      const client = new Subscriber(service(store), producer, { since: at(3) }, true);
      producer.publish(9, false);
      producer.publish(9, true);
      producer.publish(10, true);
      await eventually(async () => client.settled, { timeoutMs: 1000, what: 'settled' });
      expect(client.answer).toMatchObject({ candles: [], complete: false });
      expect(client.kinds()).toEqual(['history', 'live:9', 'live:9F', 'live:10F', 'settled']);
      expect(errors).toEqual([]);
      // Even the very next bucket: its candle lacks the trades from before the restart.
      const fresh = new MemoryCandleStore();
      const restarted = new Producer(fresh, { lastFinal: null });
      const adjacent = new Subscriber(service(fresh), restarted, { since: at(3) }, true);
      restarted.publish(4, false);
      await eventually(async () => adjacent.settled, { timeoutMs: 1000, what: 'settled' });
      expect(adjacent.answer).toMatchObject({ candles: [], complete: false });
      // A plain history request claims nothing it does not have.
      const plain = new Subscriber(service(fresh), restarted, { history: 5 }, true);
      restarted.publish(4, false);
      await eventually(async () => plain.settled, { timeoutMs: 1000, what: 'settled' });
      expect(plain.answer).toMatchObject({ candles: [], complete: true });
      plain.close();
      for (const one of [client, adjacent]) one.close();
    });

    it('resumes completely across a takeover: the new owner continues the links', async () => {
      const store = new MemoryCandleStore();
      const links = { lastFinal: null as number | null };
      const first = new Producer(store, links);
      for (let b = 0; b < 4; b++) first.publish(b, true);
      // The new owner restored the checkpoint (the engine's last final) but its linker is new.
      const second = new Producer(store, links);
      second.publish(5, true);
      second.publish(6, false);
      const client = new Subscriber(service(store), second, { since: at(1) }, true);
      second.publish(6, true);
      await eventually(async () => client.settled, { timeoutMs: 1000, what: 'settled' });
      expect(client.answer!.complete).toBe(true);
      expect(client.finals()).toEqual([2, 3, 5, 6]);
      expect(errors).toEqual([]);
      client.close();
    });
  });
});

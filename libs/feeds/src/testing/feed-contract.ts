import type { Trade } from '@mdg/model';
import { eventually } from '@mdg/testing';
import type { Feed, FeedHandlers } from '../feed';

/** One feed under test, with the means to make it deliver. */
export interface FeedContractSubject {
  /** A fresh feed, not started. */
  readonly feed: Feed;
  /**
   * Makes the running feed deliver at least one more valid trade soon: push it, step its
   * timer, have the fake venue send it. A no-op for a feed that delivers on its own (a replay).
   * After stop it may throw (a push into a stopped feed is refused): the suite ignores that.
   */
  produce(): Promise<void> | void;
  /** Feeds it one input it must reject (a bad line, a bad frame); omit when the feed has no such input. */
  produceInvalid?(): Promise<void> | void;
  /** Releases what the subject set up (servers, files), after the feed was stopped. */
  close?(): Promise<void>;
}

export interface FeedContractOptions {
  /** How long to wait for a delivery (real sockets need longer than manual timers). Default 5000 ms. */
  timeoutMs?: number;
}

/** Handlers that record everything, and whether anything arrived after stop() resolved. */
class Recorder implements FeedHandlers {
  readonly trades: Trade[] = [];
  readonly errors: Error[] = [];
  stopped = false;
  lateCalls = 0;
  throwOnNextTrade = false;

  onTrade(trade: Trade): void {
    if (this.stopped) this.lateCalls += 1;
    this.trades.push(trade);
    if (this.throwOnNextTrade) {
      this.throwOnNextTrade = false;
      throw new Error('consumer failed on this trade');
    }
  }

  onError(error: Error): void {
    if (this.stopped) this.lateCalls += 1;
    this.errors.push(error);
  }
}

/** Lets pending callbacks run (timers due now, I/O already read) without waiting a fixed time. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a valid Trade is, as every consumer relies on it (the engines do no further checks). */
function problemsOf(trade: Trade): string[] {
  const problems: string[] = [];
  if (typeof trade.instrument !== 'string' || trade.instrument.length === 0) problems.push('instrument');
  if (!(Number.isFinite(trade.price) && trade.price > 0)) problems.push('price');
  if (!(Number.isFinite(trade.size) && trade.size > 0)) problems.push('size');
  if (trade.side !== 'buy' && trade.side !== 'sell') problems.push('side');
  if (!Number.isFinite(trade.time)) problems.push('time');
  if (typeof trade.tradeId !== 'string' || trade.tradeId.length === 0) problems.push('tradeId');
  if (typeof trade.source !== 'string' || trade.source.length === 0) problems.push('source');
  return problems;
}

/**
 * What every Feed promises (feed.ts): a start that resolves once it runs, valid trades, an
 * idempotent stop after which no handler is called, and failures reported to onError instead
 * of thrown. Each implementation's spec calls this with a factory of fresh subjects.
 */
export function describeFeedContract(name: string, create: () => Promise<FeedContractSubject> | FeedContractSubject, options: FeedContractOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? 5000;

  describe(`Feed contract: ${name}`, () => {
    let subject: FeedContractSubject | undefined;

    afterEach(async () => {
      await subject?.feed.stop();
      await subject?.close?.();
      subject = undefined;
    });

    async function started(): Promise<{ feed: Feed; recorder: Recorder; subject: FeedContractSubject }> {
      subject = await create();
      const recorder = new Recorder();
      await subject.feed.start(recorder);
      return { feed: subject.feed, recorder, subject };
    }

    async function delivered(recorder: Recorder, count: number, what: string): Promise<void> {
      await eventually(() => recorder.trades.length >= count, { what, timeoutMs });
    }

    it('is idle until started, has a name, and runs once start() resolves', async () => {
      subject = await create();
      expect(subject.feed.name).toEqual(expect.stringMatching(/\S/));
      expect(subject.feed.state()).toBe('idle');
      await subject.feed.start(new Recorder());
      expect(['live', 'stale']).toContain(subject.feed.state());
    });

    it('delivers valid trades', async () => {
      const { recorder, subject: running } = await started();
      await running.produce();
      await delivered(recorder, 1, 'a trade');
      for (const trade of recorder.trades) expect({ trade, problems: problemsOf(trade) }).toEqual({ trade, problems: [] });
      expect(recorder.errors).toEqual([]);
    });

    it('stops idempotently: twice at once, again later, and before any start', async () => {
      const { feed } = await started();
      await Promise.all([feed.stop(), feed.stop()]);
      expect(feed.state()).toBe('stopped');
      await feed.stop();
      expect(feed.state()).toBe('stopped');
      const fresh = await create();
      try {
        await fresh.feed.stop();
        await fresh.feed.stop();
        expect(fresh.feed.state()).toBe('stopped');
      } finally {
        await fresh.close?.();
      }
    });

    it('calls no handler once stop() has resolved', async () => {
      const { feed, recorder, subject: running } = await started();
      await running.produce();
      await delivered(recorder, 1, 'a trade before stop');
      await feed.stop();
      recorder.stopped = true;
      try {
        await running.produce();
      } catch (error) {
        // Refusing input after stop (a push into a stopped feed) is allowed; delivering it is not.
        expect(error).toBeInstanceOf(Error);
      }
      await turn();
      await turn();
      expect(recorder.lateCalls).toBe(0);
      expect(feed.state()).toBe('stopped');
    });

    it('reports a consumer that throws on a trade to onError and keeps delivering', async () => {
      const { feed, recorder, subject: running } = await started();
      recorder.throwOnNextTrade = true;
      await running.produce();
      await eventually(() => recorder.errors.length >= 1, { what: 'the handler failure reported', timeoutMs });
      expect(recorder.errors[0]).toBeInstanceOf(Error);
      const before = recorder.trades.length;
      await running.produce();
      await delivered(recorder, before + 1, 'a trade after the failure');
      expect(feed.state()).not.toBe('stopped');
    });

    it('reports rejected input to onError, never throws it, and keeps delivering', async () => {
      const { feed, recorder, subject: running } = await started();
      if (running.produceInvalid === undefined) {
        // This feed takes no raw input (its trades are validated before they reach it).
        return;
      }
      await running.produceInvalid();
      await eventually(() => recorder.errors.length >= 1, { what: 'the rejection reported', timeoutMs });
      expect(recorder.errors.every((error) => error instanceof Error)).toBe(true);
      expect(feed.state()).not.toBe('stopped');
      const before = recorder.trades.length;
      await running.produce();
      await delivered(recorder, before + 1, 'a trade after the rejection');
    });
  });
}

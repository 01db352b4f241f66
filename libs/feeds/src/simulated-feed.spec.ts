import { InvalidConfigError, ManualClock, systemClock, type Trade } from '@mdg/model';
import type { FeedHandlers } from './feed';
import { ManualIntervalTimer } from './manual-interval-timer';
import { MarketSimulator } from './market-simulator';
import { SimulatedFeed } from './simulated-feed';
import { describeFeedContract } from './testing/feed-contract';

const START = 1_775_001_600_000;

function collector(): FeedHandlers & { trades: Trade[]; errors: Error[] } {
  const trades: Trade[] = [];
  const errors: Error[] = [];
  return { trades, errors, onTrade: (trade) => trades.push(trade), onError: (error) => errors.push(error) };
}

describe('SimulatedFeed (manual clock and timer)', () => {
  it('each tick emits exactly the simulated trades due by clock.now(), in time order', async () => {
    const clock = new ManualClock(START);
    const timer = new ManualIntervalTimer();
    const feed = new SimulatedFeed({ seed: 3, tradesPerSecond: 1000, clock, timer });
    const sink = collector();
    expect(feed.state()).toBe('idle');
    await feed.start(sink);
    expect(feed.state()).toBe('live');
    expect(timer.activeCount()).toBe(1);

    const reference = new MarketSimulator({ seed: 3, tradesPerSecond: 1000, startTimeMs: START });
    const expected: Trade[] = [];
    for (let step = 0; step < 50; step++) {
      clock.advance(20);
      timer.tick();
      // After each tick: everything due is out, nothing later.
      expected.push(...reference.nextBatch(clock.now()));
      expect(sink.trades.length).toBe(expected.length);
      expect(sink.trades.at(-1)).toEqual(expected.at(-1));
    }
    expect(sink.trades).toEqual(expected);
    expect(sink.trades.length).toBeGreaterThan(800);
    for (let i = 1; i < sink.trades.length; i++) expect(sink.trades[i]!.time).toBeGreaterThanOrEqual(sink.trades[i - 1]!.time);
    expect(feed.stats()).toEqual({ emitted: expected.length, rejected: 0 });
    await feed.stop();
  });

  it('the trade sequence depends on seed and rate only, not on tick boundaries or start time', async () => {
    const run = async (start: number, steps: number[]): Promise<Trade[]> => {
      const clock = new ManualClock(start);
      const timer = new ManualIntervalTimer();
      const feed = new SimulatedFeed({ seed: 77, tradesPerSecond: 5000, clock, timer });
      const sink = collector();
      await feed.start(sink);
      for (const step of steps) {
        clock.advance(step);
        timer.tick();
      }
      await feed.stop();
      return sink.trades.map((trade) => ({ ...trade, time: trade.time - start }));
    };
    const even = await run(START, new Array<number>(200).fill(10));
    // Irregular steps (including zero and sub-ms ones) summing to the same 2000 ms.
    const irregular = [0, 0.4, 0.6, 333, 1, 1, 64.5, 599.5, 0, 700, 300];
    expect(irregular.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(await run(START + 12_345, irregular)).toEqual(even);
    expect(even.length).toBeGreaterThan(9000);
  });

  it('stop() releases the timer and nothing is emitted afterwards', async () => {
    const clock = new ManualClock(START);
    const timer = new ManualIntervalTimer();
    const feed = new SimulatedFeed({ seed: 1, tradesPerSecond: 1000, clock, timer });
    const sink = collector();
    await feed.start(sink);
    clock.advance(100);
    timer.tick();
    const emitted = sink.trades.length;
    expect(emitted).toBeGreaterThan(0);
    await feed.stop();
    expect(feed.state()).toBe('stopped');
    expect(timer.activeCount()).toBe(0);
    clock.advance(1000);
    timer.tick();
    expect(sink.trades.length).toBe(emitted);
    await feed.stop();
    expect(feed.state()).toBe('stopped');
  });

  it('a handler that stops the feed mid-tick gets no further trades', async () => {
    const clock = new ManualClock(START);
    const timer = new ManualIntervalTimer();
    const feed = new SimulatedFeed({ seed: 1, tradesPerSecond: 1000, clock, timer });
    const trades: Trade[] = [];
    await feed.start({
      onTrade: (trade) => {
        trades.push(trade);
        if (trades.length === 5) void feed.stop();
      },
      onError: (error) => {
        throw error;
      },
    });
    clock.advance(1000);
    timer.tick();
    expect(trades).toHaveLength(5);
    expect(feed.state()).toBe('stopped');
  });

  it('a throwing onTrade is reported to onError and the feed keeps going', async () => {
    const clock = new ManualClock(START);
    const timer = new ManualIntervalTimer();
    const feed = new SimulatedFeed({ seed: 1, tradesPerSecond: 1000, clock, timer });
    const errors: Error[] = [];
    let calls = 0;
    await feed.start({
      onTrade: () => {
        calls++;
        if (calls === 1) throw new Error('engine hiccup');
      },
      onError: (error) => errors.push(error),
    });
    clock.advance(200);
    expect(() => timer.tick()).not.toThrow();
    expect(errors.map((error) => error.message)).toEqual(['engine hiccup']);
    expect(calls).toBeGreaterThan(100);
    expect(feed.state()).toBe('live');
    await feed.stop();
  });

  it('caps a catch-up tick and reports stale until it has caught up', async () => {
    const clock = new ManualClock(START);
    const timer = new ManualIntervalTimer();
    const feed = new SimulatedFeed({ seed: 1, tradesPerSecond: 1000, clock, timer, maxTradesPerTick: 100, bursts: false });
    const sink = collector();
    await feed.start(sink);
    // An event-loop stall of one second: ~1000 trades due at once.
    clock.advance(1000);
    timer.tick();
    expect(sink.trades).toHaveLength(100);
    expect(feed.state()).toBe('stale');
    for (let i = 0; i < 20 && feed.state() === 'stale'; i++) timer.tick();
    expect(feed.state()).toBe('live');
    expect(sink.trades).toEqual(new MarketSimulator({ seed: 1, tradesPerSecond: 1000, startTimeMs: START, bursts: false }).nextBatch(START + 1000));
    await feed.stop();
  });

  it('starts once', async () => {
    const feed = new SimulatedFeed({ seed: 1, tradesPerSecond: 10, clock: new ManualClock(START), timer: new ManualIntervalTimer() });
    await feed.start(collector());
    await expect(feed.start(collector())).rejects.toThrow(/start\(\) called in state 'live'/);
    await feed.stop();
  });

  it('rejects bad options at construction', () => {
    const clock = new ManualClock(START);
    expect(() => new SimulatedFeed({ seed: 1, tradesPerSecond: -5, clock })).toThrow(InvalidConfigError);
    expect(() => new SimulatedFeed({ seed: 1, tradesPerSecond: 5, clock, tickIntervalMs: 0 })).toThrow(/tickIntervalMs/);
  });
});

describe('SimulatedFeed (real clock and setInterval)', () => {
  it('emits trades in real time, none from the future, and stops cleanly', async () => {
    const feed = new SimulatedFeed({ seed: 8, tradesPerSecond: 2000, clock: systemClock, tickIntervalMs: 5 });
    const sink = collector();
    let late = 0;
    const startedAt = Date.now();
    await feed.start({
      onTrade: (trade) => {
        if (trade.time > Date.now()) late++;
        sink.onTrade(trade);
      },
      onError: (error) => sink.onError(error),
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    await feed.stop();
    const emitted = sink.trades.length;
    expect(emitted).toBeGreaterThan(20);
    expect(late).toBe(0);
    expect(sink.trades[0]!.time).toBeGreaterThanOrEqual(startedAt);
    for (let i = 1; i < emitted; i++) expect(sink.trades[i]!.time).toBeGreaterThanOrEqual(sink.trades[i - 1]!.time);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sink.trades.length).toBe(emitted);
    expect(sink.errors).toEqual([]);
  });
});

describeFeedContract('SimulatedFeed', () => {
  const clock = new ManualClock(START);
  const timer = new ManualIntervalTimer();
  return {
    feed: new SimulatedFeed({ seed: 5, tradesPerSecond: 1000, clock, timer }),
    // 50 ms of simulated market at 1,000 trades/s: dozens of trades, the same ones every run (seeded).
    produce: () => {
      clock.advance(50);
      timer.tick();
    },
  };
});

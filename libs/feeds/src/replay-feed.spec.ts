import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InstrumentRegistry, InvalidConfigError, InvalidFeedInputError, type Trade } from '@mdg/model';
import type { FeedHandlers } from './feed';
import { MarketSimulator } from './market-simulator';
import { ReplayFeed } from './replay-feed';
import { SIMULATED_TOKENS } from './simulated-tokens';
import { describeFeedContract } from './testing/feed-contract';
import { writeNdjsonTrades } from './write-ndjson-trades';

const START = 1_775_001_600_000;
const registry = new InstrumentRegistry(SIMULATED_TOKENS);
let directory: string;

beforeAll(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mdg-feeds-replay-'));
});

afterAll(() => {
  fs.rmSync(directory, { recursive: true, force: true });
});

function collector(): FeedHandlers & { trades: Trade[]; errors: Error[]; arrivals: number[] } {
  const trades: Trade[] = [];
  const errors: Error[] = [];
  const arrivals: number[] = [];
  return {
    trades,
    errors,
    arrivals,
    onTrade: (trade) => {
      trades.push(trade);
      arrivals.push(performance.now());
    },
    onError: (error) => errors.push(error),
  };
}

function simulated(count: number, seed = 1): Trade[] {
  const simulator = new MarketSimulator({ seed, tradesPerSecond: 200, startTimeMs: START });
  return Array.from({ length: count }, () => simulator.next());
}

/** Trades every `gapMs` starting at START, so the recording spans (count - 1) * gapMs. */
function evenlySpaced(count: number, gapMs: number): Trade[] {
  return simulated(count).map((trade, i) => ({ ...trade, time: START + i * gapMs }));
}

describe('writeNdjsonTrades', () => {
  it('writes one JSON Trade per line with only the Trade fields', async () => {
    const file = path.join(directory, 'written.ndjson');
    const trades = simulated(2500);
    await writeNdjsonTrades(file, [{ ...trades[0]!, extra: 'dropped' } as Trade, ...trades.slice(1)]);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(2501);
    expect(lines[2500]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual(trades[0]);
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(['instrument', 'price', 'size', 'side', 'time', 'tradeId', 'source']);
    expect(lines.slice(0, 2500).map((line) => JSON.parse(line) as Trade)).toEqual(trades);
  });

  it('rejects when the file cannot be written', async () => {
    await expect(writeNdjsonTrades(path.join(directory, 'no-such-dir', 'x.ndjson'), simulated(3))).rejects.toThrow(/ENOENT/);
  });
});

describe('ReplayFeed', () => {
  it('at speed 0 reproduces the file exactly, ends by itself and resolves finished', async () => {
    const file = path.join(directory, 'exact.ndjson');
    const trades = simulated(5000);
    await writeNdjsonTrades(file, trades);
    const feed = new ReplayFeed({ path: file, registry, speed: 0 });
    const sink = collector();
    expect(feed.state()).toBe('idle');
    await feed.start(sink);
    expect(feed.state()).toBe('live');
    await feed.finished;
    expect(feed.state()).toBe('stopped');
    expect(sink.errors).toEqual([]);
    expect(sink.trades).toEqual(trades);
    expect(feed.stats()).toEqual({ emitted: 5000, rejected: 0 });
  });

  it('at speed 0 yields to the event loop every yieldEvery lines', async () => {
    const file = path.join(directory, 'yield.ndjson');
    await writeNdjsonTrades(file, simulated(5000));
    const feed = new ReplayFeed({ path: file, registry, speed: 0, yieldEvery: 100 });
    let turns = 0;
    let playing = true;
    const spin = (): void => {
      if (!playing) return;
      turns++;
      setImmediate(spin);
    };
    spin();
    // The event-loop turn each trade was delivered in.
    const turnOfTrade: number[] = [];
    const errors: Error[] = [];
    await feed.start({ onTrade: () => turnOfTrade.push(turns), onError: (error) => errors.push(error) });
    await feed.finished;
    playing = false;
    expect(errors).toEqual([]);
    expect(turnOfTrade).toHaveLength(5000);
    // Longest run of trades delivered without the event loop getting a turn: a file chunk
    // holds ~400 lines, so without yielding this would be several hundred.
    let longest = 0;
    let run = 0;
    for (let i = 0; i < turnOfTrade.length; i++) {
      run = i > 0 && turnOfTrade[i] === turnOfTrade[i - 1] ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    expect(longest).toBeLessThanOrEqual(100);
  });

  it('at speed 10 plays a 1 s recording in about 100 ms, keeping the relative spacing', async () => {
    const file = path.join(directory, 'speed10.ndjson');
    const trades = evenlySpaced(21, 50);
    await writeNdjsonTrades(file, trades);
    const feed = new ReplayFeed({ path: file, registry, speed: 10 });
    const sink = collector();
    const startedAt = performance.now();
    await feed.start(sink);
    await feed.finished;
    const elapsed = performance.now() - startedAt;
    expect(sink.trades).toEqual(trades);
    // Generous bounds: never faster than the schedule, far from real time (1000 ms).
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(600);
    // The middle trade went out about half-way through, not in one burst at either end.
    const middle = sink.arrivals[10]! - sink.arrivals[0]!;
    expect(middle).toBeGreaterThanOrEqual(45);
    expect(middle).toBeLessThan(elapsed);
  });

  it('counts and reports malformed lines with their line numbers while good lines still flow', async () => {
    const file = path.join(directory, 'malformed.ndjson');
    const [a, b, c] = simulated(3);
    const lines = [
      JSON.stringify(a),
      '',
      'this is not json',
      JSON.stringify(b),
      JSON.stringify({ ...b, instrument: 'NOPE' }),
      '   ',
      JSON.stringify({ ...c, price: -1 }),
      '[1,2,3]',
      JSON.stringify(c),
    ];
    fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
    const feed = new ReplayFeed({ path: file, registry, speed: 0 });
    const sink = collector();
    await feed.start(sink);
    await feed.finished;
    expect(sink.trades).toEqual([a, b, c]);
    expect(feed.stats()).toEqual({ emitted: 3, rejected: 4 });
    expect(sink.errors.every((error) => error instanceof InvalidFeedInputError)).toBe(true);
    expect(sink.errors.map((error) => (error as InvalidFeedInputError).location)).toEqual([
      `${file}:line 3`,
      `${file}:line 5`,
      `${file}:line 7`,
      `${file}:line 8`,
    ]);
    expect(sink.errors.map((error) => (error as InvalidFeedInputError).code)).toEqual([
      'INVALID_FEED_INPUT',
      'INVALID_FEED_INPUT',
      'INVALID_FEED_INPUT',
      'INVALID_FEED_INPUT',
    ]);
    expect(sink.errors[0]!.message).toMatch(/line 3: not JSON/);
    expect(sink.errors[1]!.message).toMatch(/line 5: Invalid trade: instrument is not a tracked instrument: NOPE/);
    expect(sink.errors[2]!.message).toMatch(/line 7: Invalid trade: price/);
    expect(sink.errors[3]!.message).toMatch(/line 8: Invalid trade: trade must be an object/);
  });

  it('a missing file is reported to onError with a clear error, and the feed stops', async () => {
    const file = path.join(directory, 'does-not-exist.ndjson');
    const feed = new ReplayFeed({ path: file, registry, speed: 0 });
    const sink = collector();
    await feed.start(sink);
    await feed.finished;
    expect(feed.state()).toBe('stopped');
    expect(sink.trades).toEqual([]);
    expect(sink.errors).toHaveLength(1);
    expect(sink.errors[0]).toBeInstanceOf(InvalidFeedInputError);
    expect(sink.errors[0]!.message).toContain(file);
    expect(sink.errors[0]!.message).toMatch(/ENOENT/);
  });

  it('stop() ends a real-time replay early, mid-wait, with no further trades', async () => {
    const file = path.join(directory, 'long.ndjson');
    // One minute of recording at real-time speed: it only ends because we stop it.
    await writeNdjsonTrades(file, evenlySpaced(61, 1000));
    const feed = new ReplayFeed({ path: file, registry, speed: 1 });
    const sink = collector();
    await feed.start(sink);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.trades).toHaveLength(1);
    const stoppedAt = performance.now();
    await feed.stop();
    expect(performance.now() - stoppedAt).toBeLessThan(500);
    expect(feed.state()).toBe('stopped');
    await feed.finished;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sink.trades).toHaveLength(1);
    expect(sink.errors).toEqual([]);
  });

  it('stop() before start() settles finished', async () => {
    const feed = new ReplayFeed({ path: path.join(directory, 'never.ndjson'), registry });
    await feed.stop();
    await feed.finished;
    expect(feed.state()).toBe('stopped');
  });

  it('rebaseTimeTo replays an old recording as now, keeping offsets (divided by the speed)', async () => {
    const file = path.join(directory, 'rebase.ndjson');
    const trades = evenlySpaced(5, 1000);
    await writeNdjsonTrades(file, trades);
    const now = Date.now();
    const fast = new ReplayFeed({ path: file, registry, speed: 0, rebaseTimeTo: now });
    const sink = collector();
    await fast.start(sink);
    await fast.finished;
    expect(sink.trades.map((trade) => trade.time)).toEqual([now, now + 1000, now + 2000, now + 3000, now + 4000]);
    expect(sink.trades.map((trade) => trade.tradeId)).toEqual(trades.map((trade) => trade.tradeId));

    const paced = new ReplayFeed({ path: file, registry, speed: 100, rebaseTimeTo: now });
    const pacedSink = collector();
    await paced.start(pacedSink);
    await paced.finished;
    expect(pacedSink.trades.map((trade) => trade.time)).toEqual([now, now + 10, now + 20, now + 30, now + 40]);
  });

  it('a throwing onTrade is reported and playback continues', async () => {
    const file = path.join(directory, 'throwing.ndjson');
    await writeNdjsonTrades(file, simulated(10));
    const feed = new ReplayFeed({ path: file, registry, speed: 0 });
    const errors: Error[] = [];
    let calls = 0;
    await feed.start({
      onTrade: () => {
        calls++;
        if (calls === 2) throw new Error('consumer failed');
      },
      onError: (error) => errors.push(error),
    });
    await feed.finished;
    expect(calls).toBe(10);
    expect(errors.map((error) => error.message)).toEqual(['consumer failed']);
  });

  it('starts once and validates its options', async () => {
    const file = path.join(directory, 'once.ndjson');
    await writeNdjsonTrades(file, simulated(1));
    const feed = new ReplayFeed({ path: file, registry, speed: 0 });
    await feed.start(collector());
    await expect(feed.start(collector())).rejects.toThrow(/a feed starts once/);
    await feed.finished;
    expect(() => new ReplayFeed({ path: file, registry, speed: -1 })).toThrow(InvalidConfigError);
    expect(() => new ReplayFeed({ path: '', registry, yieldEvery: 0 })).toThrow(/yieldEvery.*path/);
  });
});

describeFeedContract('ReplayFeed', async () => {
  // A 20 s recording played in real time: it delivers on its own for longer than any contract test runs.
  const file = path.join(directory, 'contract.ndjson');
  if (!fs.existsSync(file)) await writeNdjsonTrades(file, evenlySpaced(4000, 5));
  return { feed: new ReplayFeed({ path: file, registry, speed: 1, rebaseTimeTo: Date.now() }), produce: () => undefined };
});

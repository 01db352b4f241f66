import { InstrumentRegistry, InvalidConfigError, PRICE_SYMBOLS, validateTrade, type Trade } from '@mdg/model';
import { DEFAULT_SIMULATED_INSTRUMENTS, MarketSimulator, type MarketSimulatorOptions } from './market-simulator';
import { SIMULATED_PRICE_SYMBOLS } from './simulated-price-symbols';
import { SIMULATED_TOKENS } from './simulated-tokens';

const START = 1_775_001_600_000;
const HOUR = 3_600_000;

function take(simulator: MarketSimulator, count: number): Trade[] {
  return Array.from({ length: count }, () => simulator.next());
}

function until(simulator: MarketSimulator, endMs: number): Trade[] {
  return simulator.nextBatch(endMs);
}

describe('MarketSimulator determinism', () => {
  it('the same seed and options give the identical 10k trades', () => {
    const options: MarketSimulatorOptions = { seed: 42, tradesPerSecond: 500, startTimeMs: START };
    expect(take(new MarketSimulator(options), 10_000)).toEqual(take(new MarketSimulator(options), 10_000));
  });

  it('a different seed gives a different market', () => {
    const a = take(new MarketSimulator({ seed: 42, tradesPerSecond: 500, startTimeMs: START }), 10_000);
    const b = take(new MarketSimulator({ seed: 43, tradesPerSecond: 500, startTimeMs: START }), 10_000);
    const same = a.filter((trade, i) => trade.instrument === b[i]!.instrument && trade.price === b[i]!.price && trade.size === b[i]!.size);
    expect(same.length).toBeLessThan(100);
    expect(a[9_999]!.time).not.toBe(b[9_999]!.time);
  });

  it('the start time only shifts trade times, to the millisecond', () => {
    const a = take(new MarketSimulator({ seed: 9, tradesPerSecond: 2000, startTimeMs: START }), 5000);
    const b = take(new MarketSimulator({ seed: 9, tradesPerSecond: 2000, startTimeMs: START + 12_345 }), 5000);
    expect(b).toEqual(a.map((trade) => ({ ...trade, time: trade.time + 12_345 })));
  });

  it('nextBatch(until) returns exactly the next trades up to that time, in the same sequence as next()', () => {
    const reference = take(new MarketSimulator({ seed: 5, tradesPerSecond: 300, startTimeMs: START }), 3000);
    const simulator = new MarketSimulator({ seed: 5, tradesPerSecond: 300, startTimeMs: START });
    const batches: Trade[] = [];
    for (let end = START + 250; batches.length < 2500; end += 250) {
      const batch = simulator.nextBatch(end);
      for (const trade of batch) expect(trade.time).toBeLessThanOrEqual(end);
      // What is left is later than the batch boundary.
      expect(simulator.peekTime()).toBeGreaterThan(end);
      batches.push(...batch);
    }
    expect(batches).toEqual(reference.slice(0, batches.length));
    expect(simulator.nextBatch(Infinity, 7)).toEqual(reference.slice(batches.length, batches.length + 7));
  });
});

describe('MarketSimulator realism over a simulated hour', () => {
  const registry = new InstrumentRegistry(SIMULATED_TOKENS);
  const simulator = new MarketSimulator({ seed: 2026, tradesPerSecond: 50, startTimeMs: START });
  const trades = until(simulator, START + HOUR);
  const byInstrument = new Map<string, Trade[]>();
  for (const trade of trades) {
    const list = byInstrument.get(trade.instrument) ?? [];
    list.push(trade);
    byInstrument.set(trade.instrument, list);
  }

  it('trades all 20 price symbols and all simulated tokens, and nothing else', () => {
    expect(new Set(byInstrument.keys())).toEqual(new Set([...PRICE_SYMBOLS, ...SIMULATED_TOKENS.map((token) => token.tokenAddress)]));
  });

  it('every trade passes validateTrade against a registry holding the simulated tokens', () => {
    const now = START + HOUR;
    let failures = 0;
    for (const trade of trades) {
      // Compare by value: validateTrade returns a fresh frozen copy of the known fields.
      const validated = validateTrade(trade, registry, now);
      if (validated.price !== trade.price || validated.size !== trade.size || validated.time !== trade.time) failures++;
    }
    expect(failures).toBe(0);
  });

  it('times are integer ms, non-decreasing, within the window; ids are unique; source is simulator', () => {
    let previous = START;
    let disorder = 0;
    for (const trade of trades) {
      if (!Number.isInteger(trade.time) || trade.time < previous || trade.time > START + HOUR) disorder++;
      previous = trade.time;
    }
    expect(disorder).toBe(0);
    expect(new Set(trades.map((trade) => trade.tradeId)).size).toBe(trades.length);
    expect(trades[0]!.tradeId).toBe('sim-1');
    expect(new Set(trades.map((trade) => trade.source))).toEqual(new Set(['simulator']));
  });

  it('prices stay positive and within a sane band of the start price', () => {
    for (const instrument of DEFAULT_SIMULATED_INSTRUMENTS) {
      const prices = byInstrument.get(instrument.id)!.map((trade) => trade.price);
      expect(Math.min(...prices)).toBeGreaterThan(instrument.startPrice / 2);
      expect(Math.max(...prices)).toBeLessThan(instrument.startPrice * 2);
    }
    // Majors move far less than memecoins in an hour.
    const btc = byInstrument.get('BTC')!.map((trade) => trade.price);
    expect(Math.max(...btc) / Math.min(...btc)).toBeLessThan(1.05);
  });

  it('prices actually move: a random walk, not a constant', () => {
    for (const [, list] of byInstrument) expect(new Set(list.map((trade) => trade.price)).size).toBeGreaterThan(5);
  });

  it('BTC and ETH are the busiest instruments', () => {
    const busiest = [...byInstrument.entries()].sort((a, b) => b[1].length - a[1].length).map(([id]) => id);
    expect(busiest.slice(0, 2)).toEqual(['BTC', 'ETH']);
  });

  it('has both buys and sells, and the side is correlated with the price move', () => {
    let upBuys = 0;
    let up = 0;
    let downBuys = 0;
    let down = 0;
    for (const [, list] of byInstrument) {
      for (let i = 1; i < list.length; i++) {
        const move = list[i]!.price - list[i - 1]!.price;
        const buy = list[i]!.side === 'buy' ? 1 : 0;
        if (move > 0) {
          up++;
          upBuys += buy;
        } else if (move < 0) {
          down++;
          downBuys += buy;
        }
      }
    }
    const buys = trades.filter((trade) => trade.side === 'buy').length;
    expect(buys / trades.length).toBeGreaterThan(0.4);
    expect(buys / trades.length).toBeLessThan(0.6);
    expect(upBuys / up).toBeGreaterThan(0.65);
    expect(downBuys / down).toBeLessThan(0.35);
  });

  it('token sizes are positive integer smallest units around the median notional', () => {
    for (const token of SIMULATED_TOKENS) {
      const list = byInstrument.get(token.tokenAddress)!;
      expect(list.every((trade) => Number.isSafeInteger(trade.size) && trade.size >= 1)).toBe(true);
      const notionals = list.map((trade) => (trade.price * trade.size) / 10 ** token.decimals).sort((a, b) => a - b);
      const median = notionals[Math.floor(notionals.length / 2)]!;
      expect(median).toBeGreaterThan(token.medianNotionalUsd / 2);
      expect(median).toBeLessThan(token.medianNotionalUsd * 2);
    }
  });

  it('price-symbol sizes are positive whole-coin amounts in lots, fractional where the lot is', () => {
    for (const row of SIMULATED_PRICE_SYMBOLS) {
      const list = byInstrument.get(row.id)!;
      const lot = 10 ** row.sizeDecimals;
      expect(list.every((trade) => trade.size > 0 && Math.abs(trade.size * lot - Math.round(trade.size * lot)) < 1e-6)).toBe(true);
    }
    expect(byInstrument.get('BTC')!.some((trade) => !Number.isInteger(trade.size))).toBe(true);
  });
});

describe('MarketSimulator rate and bursts', () => {
  function countUntil(simulator: MarketSimulator, endMs: number): { count: number; maxPerSecond: number } {
    let count = 0;
    let second = START;
    let inSecond = 0;
    let maxPerSecond = 0;
    while (simulator.peekTime() <= endMs) {
      const { time } = simulator.next();
      count++;
      if (time >= second + 1000) {
        maxPerSecond = Math.max(maxPerSecond, inSecond);
        second = time - ((time - START) % 1000);
        inSecond = 0;
      }
      inSecond++;
    }
    return { count, maxPerSecond: Math.max(maxPerSecond, inSecond) };
  }

  it('with bursts, the long-run rate is the configured one (±5 %) and some seconds run at several times it', () => {
    const window = 4 * HOUR;
    const { count, maxPerSecond } = countUntil(new MarketSimulator({ seed: 11, tradesPerSecond: 100, startTimeMs: START }), START + window);
    expect(count / (window / 1000)).toBeGreaterThan(95);
    expect(count / (window / 1000)).toBeLessThan(105);
    expect(maxPerSecond).toBeGreaterThan(300);
  });

  it('at a few trades per second over a simulated day, the rate holds too', () => {
    const window = 24 * HOUR;
    const { count } = countUntil(new MarketSimulator({ seed: 12, tradesPerSecond: 3, startTimeMs: START }), START + window);
    expect(count / (window / 1000)).toBeGreaterThan(2.85);
    expect(count / (window / 1000)).toBeLessThan(3.15);
  });

  it('reaches 100,000 trades per second (bursts off: a plain Poisson process, no second far above the rate)', () => {
    const window = 10_000;
    const { count, maxPerSecond } = countUntil(new MarketSimulator({ seed: 13, tradesPerSecond: 100_000, startTimeMs: START, bursts: false }), START + window);
    expect(count / (window / 1000)).toBeGreaterThan(99_000);
    expect(count / (window / 1000)).toBeLessThan(101_000);
    expect(maxPerSecond).toBeLessThan(102_000);
  });
});

describe('MarketSimulator options', () => {
  it('trades only the given instruments, with the given source and id prefix', () => {
    const btcOnly = SIMULATED_PRICE_SYMBOLS.filter((row) => row.id === 'BTC' || row.id === 'SOL');
    const trades = take(
      new MarketSimulator({ seed: 1, tradesPerSecond: 100, startTimeMs: START, instruments: btcOnly, source: 'sim-b', tradeIdPrefix: 'node2-' }),
      1000,
    );
    expect(new Set(trades.map((trade) => trade.instrument))).toEqual(new Set(['BTC', 'SOL']));
    expect(trades[0]!.tradeId).toBe('node2-1');
    expect(trades[999]!.source).toBe('sim-b');
  });

  it('rejects bad options with every problem listed', () => {
    const attempt = (): MarketSimulator =>
      new MarketSimulator({
        seed: 0.5,
        tradesPerSecond: 0,
        startTimeMs: START,
        bursts: { timeFraction: 2 },
        instruments: [{ ...SIMULATED_PRICE_SYMBOLS[0]!, startPrice: -1 }, SIMULATED_PRICE_SYMBOLS[0]!],
      });
    expect(attempt).toThrow(InvalidConfigError);
    expect(attempt).toThrow(/seed must be a safe integer.*tradesPerSecond must be > 0.*timeFraction.*startPrice must be > 0.*listed twice/);
    expect(() => new MarketSimulator({ seed: 1, tradesPerSecond: 1, startTimeMs: START, instruments: [] })).toThrow(/instruments must not be empty/);
  });
});

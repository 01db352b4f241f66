import { InstrumentRegistry, WRAPPED_SOL_MINT, type Trade } from '@mdg/model';
import { TickerEngine } from './ticker-engine';

const T0 = 1_775_001_600_000;
const MINUTE = 60_000;
const DAY = 86_400_000;
const TOKEN = '4XbVSsvr9xF15SCmKpdtihuqiofkatWYQnbVUyFpwYQT';

let nextId = 0;
function trade(time: number, price: number, size = 1, instrument = 'BTC'): Trade {
  return { instrument, price, size, side: 'buy', time, tradeId: `t${nextId++}`, source: 'test' };
}

function engine(): TickerEngine {
  return new TickerEngine(new InstrumentRegistry([{ tokenAddress: TOKEN, quoteToken: WRAPPED_SOL_MINT, decimals: 9, symbol: 'SOLBEAR' }]));
}

describe('TickerEngine', () => {
  it('reports price, USD volume, unix-seconds timestamp and change from the first price when there is no older one', () => {
    const ticker = engine();
    ticker.apply(trade(T0 + 1_500, 100, 2), T0 + 1_500);
    ticker.apply(trade(T0 + 2_700, 110, 1), T0 + 2_700);
    expect(ticker.collect(T0 + 3_000)).toEqual([
      { symbol: 'BTC', price: 110, volume: 310, timestamp: Math.floor((T0 + 2_700) / 1000), change: 10, changePercent: 10 },
    ]);
    expect(ticker.collect(T0 + 3_000)).toEqual([]);
  });

  it('uses the last price before the 24 h window as the reference, and drops older volume', () => {
    const ticker = engine();
    ticker.apply(trade(T0, 80, 1), T0);
    ticker.apply(trade(T0 + 10 * MINUTE, 100, 1), T0 + 10 * MINUTE);
    ticker.apply(trade(T0 + DAY + 5 * MINUTE, 120, 1), T0 + DAY + 5 * MINUTE);
    // Window at head minute T0+1d+5m covers minutes (T0+5m, T0+1d+5m]: the T0 trade left, the +10m one is in.
    expect(ticker.snapshot('BTC', T0 + DAY + 5 * MINUTE)).toMatchObject({ price: 120, volume: 220, change: 40, changePercent: 50 });
    // Eleven minutes later the +10m trade left too: it becomes the reference.
    const later = ticker.snapshot('BTC', T0 + DAY + 11 * MINUTE)!;
    expect(later).toMatchObject({ price: 120, volume: 120, change: 20 });
    expect(later.changePercent).toBeCloseTo(20, 10);
  });

  it('keeps the last price and a zero volume after a quiet day', () => {
    const ticker = engine();
    ticker.apply(trade(T0, 50, 3), T0);
    expect(ticker.snapshot('BTC', T0 + 3 * DAY)).toMatchObject({ price: 50, volume: 0, change: 0, changePercent: 0 });
  });

  it('takes the latest trade time as the last price, whatever the arrival order', () => {
    const ticker = engine();
    ticker.apply(trade(T0 + 5_000, 101), T0 + 5_000);
    ticker.apply(trade(T0 + 4_000, 99), T0 + 5_100);
    expect(ticker.snapshot('BTC', T0 + 6_000)).toMatchObject({ price: 101, volume: 200 });
  });

  it('counts and drops trades older than the window', () => {
    const ticker = engine();
    ticker.apply(trade(T0 + DAY, 10), T0 + DAY);
    expect(ticker.apply(trade(T0 - MINUTE, 1_000), T0 + DAY)).toBe('late');
    expect(ticker.stats()).toEqual({ applied: 1, late: 1 });
    expect(ticker.snapshot('BTC', T0 + DAY)).toMatchObject({ price: 10, volume: 10 });
  });

  it('ignores token trades and reports only symbols that have traded', () => {
    const ticker = engine();
    expect(ticker.apply(trade(T0, 1, 1, TOKEN), T0)).toBe('not-a-price-symbol');
    ticker.apply(trade(T0, 3_000, 1, 'ETH'), T0);
    expect(ticker.snapshots(T0).map((update) => update.symbol)).toEqual(['ETH']);
    expect(ticker.snapshot('XRP', T0)).toBeUndefined();
  });

  it('survives a clock jump of several days in one step', () => {
    const ticker = engine();
    for (let minute = 0; minute < 3000; minute += 7) ticker.apply(trade(T0 + minute * MINUTE, 100 + minute), T0 + minute * MINUTE);
    const snapshot = ticker.snapshot('BTC', T0 + 10 * DAY)!;
    expect(snapshot.volume).toBe(0);
    expect(snapshot.price).toBe(100 + 2996);
    expect(snapshot.change).toBe(0);
  });
});

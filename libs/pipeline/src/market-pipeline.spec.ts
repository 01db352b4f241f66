import { MemoryMarketBus, type Envelope } from '@mdg/bus';
import { MarketEngine } from '@mdg/engine';
import { ManualIntervalTimer, SimulatedFeed, SIMULATED_TOKENS } from '@mdg/feeds';
import { InstrumentRegistry, ManualClock, type CandleUpdate, type MarketUpdate, type Trade } from '@mdg/model';
import { MarketPipeline } from './market-pipeline';

const T0 = 1_775_001_600_000;
let id = 0;
function trade(instrument: string, time: number, price: number): Trade {
  return { instrument, price, size: 1, side: 'buy', time, tradeId: `t${id++}`, source: 'test' };
}

function setup() {
  const registry = new InstrumentRegistry(SIMULATED_TOKENS);
  const clock = new ManualClock(T0);
  const bus = new MemoryMarketBus();
  const engine = new MarketEngine(registry, { candles: { timeframes: [1, 60], graceMs: 0 } });
  const pipeline = new MarketPipeline(engine, bus, { clock, epoch: 7 });
  const received: Envelope[] = [];
  for (const stream of ['price:BTC', 'price:ETH', 'candle:BTC:1', 'candle:BTC:60']) bus.subscribe(stream, (e) => received.push(e));
  return { registry, clock, bus, engine, pipeline, received };
}

describe('MarketPipeline', () => {
  it('coalesces each symbol to its latest ticker per publish, with per-stream seq and the epoch', () => {
    const { clock, pipeline, received } = setup();
    for (let i = 0; i < 50; i += 1) pipeline.accept(trade('BTC', T0 + i, 100 + i));
    pipeline.accept(trade('ETH', T0 + 10, 3000));
    pipeline.publishPrices();
    clock.advance(100);
    pipeline.accept(trade('BTC', T0 + 100, 200));
    pipeline.publishPrices();
    const prices = received.filter((e) => e.stream.startsWith('price:'));
    expect(prices.map((e) => [e.stream, e.seq, e.epoch, (e.payload as MarketUpdate).price])).toEqual([
      ['price:BTC', 1, 7, 149],
      ['price:ETH', 1, 7, 3000],
      ['price:BTC', 2, 7, 200],
    ]);
    for (const e of prices) expect(e.publishedAt).toBeGreaterThanOrEqual(e.acceptedAt);
  });

  it('publishes finals even without a further trade and never drops them by coalescing', async () => {
    const { clock, pipeline, received } = setup();
    pipeline.accept(trade('BTC', T0 + 100, 1));
    pipeline.accept(trade('BTC', T0 + 900, 2));
    clock.set(T0 + 1_000);
    pipeline.accept(trade('BTC', T0 + 1_000, 3));
    await pipeline.publishCandles();
    const oneSecond = received.filter((e) => e.stream === 'candle:BTC:1').map((e) => e.payload as CandleUpdate);
    expect(oneSecond.map((u) => [u.candle.time, u.closed, u.candle.close])).toEqual([
      [T0, true, 2],
      [T0 + 1_000, false, 3],
    ]);
    clock.set(T0 + 2_000);
    await pipeline.publishCandles();
    const after = received.filter((e) => e.stream === 'candle:BTC:1');
    expect(after.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((after[2]!.payload as CandleUpdate).closed).toBe(true);
  });

  it('runs a feed on its timers and publishes what is pending when stopped', async () => {
    const registry = new InstrumentRegistry(SIMULATED_TOKENS);
    const clock = new ManualClock(T0);
    const bus = new MemoryMarketBus();
    const engine = new MarketEngine(registry);
    const pipeline = new MarketPipeline(engine, bus, { clock, priceIntervalMs: 60_000, candleIntervalMs: 60_000 });
    const timer = new ManualIntervalTimer();
    const feed = new SimulatedFeed({ seed: 3, tradesPerSecond: 2_000, clock, timer, maxTradesPerTick: 100_000 });
    const prices: string[] = [];
    bus.subscribe('price:BTC', (e) => prices.push(e.stream));
    const errors: Error[] = [];
    await pipeline.start(feed, (error) => errors.push(error));
    clock.advance(2_000);
    timer.tick();
    expect(pipeline.stats().tradesIn).toBeGreaterThan(3_000); // ~2 s at 2,000 trades/s
    expect(prices).toEqual([]); // the publish interval has not elapsed
    await pipeline.stop();
    expect(prices).toEqual(['price:BTC']);
    expect(feed.state()).toBe('stopped');
    expect(errors).toEqual([]);
    expect(pipeline.stats().pricesPublished).toBeGreaterThanOrEqual(20);
  });
});

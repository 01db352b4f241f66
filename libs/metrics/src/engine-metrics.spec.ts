import type { Envelope } from '@mdg/bus';
import type { Socket as ClientSocket } from 'socket.io-client';
import { GatewayStack, STACK_T0 } from './testing/gateway-stack';

function nextEvent<T>(client: ClientSocket, event: string): Promise<T> {
  return new Promise((resolve) => client.once(event, (value: T) => resolve(value)));
}

const DAY_MS = 86_400_000;

describe('GatewayMetrics on a running engine: every engine metric moves when its event happens', () => {
  let stack: GatewayStack;
  afterEach(async () => {
    await stack.close();
  });

  it('trades in through the feed, processed, rejected at validation, late, published, finalized', async () => {
    stack = await GatewayStack.start();
    const token = stack.token(0);
    let scrape = await stack.scrape();
    expect(scrape.value('mdg_engine_trades_processed_total')).toBe(0);

    stack.feed.trade(stack.trade('BTC', { price: 100 }));
    stack.feed.trade(stack.trade(token.id, { price: 0.0001, size: 1_000_000 }));
    stack.feed.reject('line 3: not a trade');
    expect(stack.engine.ingest({ instrument: 'BTC', price: -1 }, stack.clock.now()).ok).toBe(false);
    // A day and an hour old: outside the 24 h ticker window, and past every candle bucket's grace.
    expect(stack.engine.ingest(stack.trade('BTC', { time: STACK_T0 - DAY_MS - 3_600_000 }), stack.clock.now()).ok).toBe(true);
    scrape = await stack.scrape();
    expect(scrape.value('mdg_feed_trades_total')).toBe(2);
    expect(scrape.value('mdg_feed_rejected_total')).toBe(1);
    expect(scrape.value('mdg_feed_errors_total')).toBe(1);
    expect(scrape.value('mdg_pipeline_trades_total')).toBe(2);
    expect(scrape.value('mdg_engine_trades_processed_total')).toBe(3);
    expect(scrape.value('mdg_engine_trades_rejected_total', { reason: 'invalid_trade' })).toBe(1);
    expect(scrape.value('mdg_ticker_late_trades_total')).toBe(1);
    for (const timeframe of ['1', '60', '86400']) expect(scrape.value('mdg_candle_late_trades_total', { timeframe })).toBe(1);

    stack.pipeline.publishPrices();
    await stack.pipeline.publishCandles();
    scrape = await stack.scrape();
    expect(scrape.value('mdg_prices_published_total')).toBe(1);
    expect(scrape.value('mdg_candles_published_total')).toBe(22); // the open candle of BTC and of the token, in each of 11 timeframes
    expect(scrape.value('mdg_candles_finalized_total')).toBe(0);

    stack.clock.advance(1_000); // the 1 s bucket is over (grace 0)
    await stack.pipeline.publishCandles();
    scrape = await stack.scrape();
    expect(scrape.value('mdg_candles_finalized_total')).toBe(2);
    expect(scrape.value('mdg_candles_published_total')).toBe(24);
  });

  it('feed state and engine ownership', async () => {
    stack = await GatewayStack.start();
    let scrape = await stack.scrape();
    expect(scrape.series('mdg_feed_state').map((sample) => [sample.labels['state'], sample.value])).toEqual([
      ['idle', 0],
      ['live', 1],
      ['stale', 0],
      ['stopped', 0],
    ]);
    expect([scrape.value('mdg_engine_lease_owner'), scrape.value('mdg_engine_epoch'), scrape.value('mdg_engine_takeovers_total')]).toEqual([1, 1, 1]);

    stack.feed.goStale();
    stack.ownership = { owner: false, epoch: undefined, takeovers: 1 };
    scrape = await stack.scrape();
    expect(scrape.value('mdg_feed_state', { state: 'stale' })).toBe(1);
    expect(scrape.value('mdg_feed_state', { state: 'live' })).toBe(0);
    expect([scrape.value('mdg_engine_lease_owner'), scrape.value('mdg_engine_epoch')]).toEqual([0, 0]);

    // Taken over again: a new epoch, one more takeover.
    stack.ownership = { owner: true, epoch: 2, takeovers: 2 };
    await stack.feed.stop();
    scrape = await stack.scrape();
    expect([scrape.value('mdg_engine_lease_owner'), scrape.value('mdg_engine_epoch'), scrape.value('mdg_engine_takeovers_total')]).toEqual([1, 2, 2]);
    expect(scrape.value('mdg_feed_state', { state: 'stopped' })).toBe(1);
  });

  it('tick-to-wire per protocol and bus lag: trade accepted by the engine → bus → hub → socket', async () => {
    stack = await GatewayStack.start();
    const token = stack.token(0);
    const prices = stack.connectPrices(await stack.createKey('user-1'));
    await nextEvent(prices, 'initial-prices');
    const chart = await stack.connectChart(await stack.createKey('user-2', 'free'));
    chart.send({ tokenAddress: token.tokenAddress, timeframe: 60 });
    await chart.next((m) => m.type === 'subscriptionConfirmed', 'the confirmation');
    const before = await stack.scrape();
    expect(before.value('mdg_tick_to_wire_seconds_count', { protocol: 'socketio' })).toBe(0);
    expect(before.value('mdg_tick_to_wire_seconds_count', { protocol: 'chart-live' })).toBe(0);
    const lagBefore = before.value('mdg_bus_lag_seconds_count');

    const priceUpdate = nextEvent(prices, 'price-update');
    stack.feed.trade(stack.trade('ETH', { price: 3000 }));
    stack.feed.trade(stack.trade(token.id, { price: 0.0001, size: 1_000_000 }));
    await new Promise((resolve) => setTimeout(resolve, 20)); // a measurable span between acceptance and the wire
    stack.pipeline.publishPrices();
    await stack.pipeline.publishCandles();
    await priceUpdate;
    await chart.next((m) => m.event === 'chart', 'the candle');

    const scrape = await stack.scrape();
    for (const protocol of ['socketio', 'chart-live']) {
      expect(scrape.value('mdg_tick_to_wire_seconds_count', { protocol })).toBe(1);
      const seconds = scrape.value('mdg_tick_to_wire_seconds_sum', { protocol });
      expect(seconds).toBeGreaterThanOrEqual(0.015);
      expect(seconds).toBeLessThan(5);
      expect(scrape.value('mdg_tick_to_wire_seconds_bucket', { protocol, le: '0.01' })).toBe(0);
      expect(scrape.value('mdg_tick_to_wire_seconds_bucket', { protocol, le: '+Inf' })).toBe(1);
    }
    // 1 price + 11 candle envelopes published; the hub receives the ETH price and the subscribed 60 s candle.
    expect(scrape.value('mdg_bus_lag_seconds_count') - lagBefore).toBe(2);
    expect(scrape.value('mdg_bus_lag_seconds_sum')).toBeLessThan(1);
    expect(scrape.value('mdg_hub_last_receive_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('gaps and stale (fenced) envelopes seen by the hub', async () => {
    stack = await GatewayStack.start();
    const envelope = (seq: number, epoch: number): Envelope => ({
      stream: 'price:SOL',
      epoch,
      seq,
      payload: { symbol: 'SOL', price: seq, volume: 1, timestamp: 1, change: 0, changePercent: 0 },
      acceptedAt: Date.now(),
      publishedAt: Date.now(),
    });
    for (const [seq, epoch] of [
      [1, 5],
      [2, 5],
      [5, 5],
      [5, 5],
      [1, 4],
      [1, 6],
    ] as const)
      stack.bus.publish(envelope(seq, epoch));
    const scrape = await stack.scrape();
    expect(scrape.value('mdg_stream_gaps_total')).toBe(2); // seq 2 → 5, and the new epoch 6
    expect(scrape.value('mdg_stale_envelopes_total')).toBe(2); // the duplicate 5, and the deposed epoch 4
    expect(scrape.value('mdg_bus_connected')).toBe(1);
  });
});

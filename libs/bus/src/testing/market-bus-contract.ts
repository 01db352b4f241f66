import type { Envelope } from '../envelope';
import type { MarketBus } from '../market-bus';

export interface MarketBusContractOptions {
  /** A fresh, connected bus for each test (unique prefix / channel namespace). */
  create(): Promise<MarketBus>;
  /** Waits until envelopes published now reach subscribers (Redis is asynchronous). */
  settle(): Promise<void>;
}

let sequence = 0;
function envelope(stream: string, seq: number, payload: unknown = { n: seq }): Envelope {
  sequence += 1;
  return { stream, epoch: 1, seq, payload, acceptedAt: 1000 + sequence, publishedAt: 2000 + sequence };
}

/**
 * The one behaviour every MarketBus implementation must have; each implementation's spec
 * calls this with its own factory (convention 3 of DESIGN.md).
 */
export function describeMarketBusContract(name: string, options: MarketBusContractOptions): void {
  describe(`MarketBus contract: ${name}`, () => {
    let bus: MarketBus;
    beforeEach(async () => {
      bus = await options.create();
    });
    afterEach(async () => {
      await bus.close();
    });

    it('delivers envelopes of a stream to its subscribers, in publish order, unchanged', async () => {
      const received: Envelope[] = [];
      bus.subscribe('price:BTC', (e) => received.push(e));
      await options.settle();
      const sent = [envelope('price:BTC', 1), envelope('price:BTC', 2, { price: 1.5, nested: { ok: true } }), envelope('price:BTC', 3)];
      for (const e of sent) bus.publish(e);
      await options.settle();
      expect(received).toEqual(sent);
    });

    it('delivers only the streams subscribed', async () => {
      const received: string[] = [];
      bus.subscribe('price:ETH', (e) => received.push(e.stream));
      await options.settle();
      bus.publish(envelope('price:BTC', 1));
      bus.publish(envelope('price:ETH', 1));
      bus.publish(envelope('candle:X:60', 1));
      await options.settle();
      expect(received).toEqual(['price:ETH']);
    });

    it('stops delivering after unsubscribe, independently per subscription', async () => {
      const first: number[] = [];
      const second: number[] = [];
      const stopFirst = bus.subscribe('price:SOL', (e) => first.push(e.seq));
      bus.subscribe('price:SOL', (e) => second.push(e.seq));
      await options.settle();
      bus.publish(envelope('price:SOL', 1));
      await options.settle();
      stopFirst();
      await options.settle();
      bus.publish(envelope('price:SOL', 2));
      await options.settle();
      expect(first).toEqual([1]);
      expect(second).toEqual([1, 2]);
    });

    it('keeps the latest envelope per stream for late joiners, undefined where nothing was published', async () => {
      bus.publish(envelope('price:XRP', 1));
      bus.publish(envelope('price:XRP', 2, { last: true }));
      bus.publish(envelope('candle:T:1', 7));
      await options.settle();
      const [xrp, nothing, candle] = await bus.latest(['price:XRP', 'price:DOGE', 'candle:T:1']);
      expect(xrp).toMatchObject({ stream: 'price:XRP', seq: 2, payload: { last: true } });
      expect(nothing).toBeUndefined();
      expect(candle).toMatchObject({ seq: 7 });
    });

    it('reports connected while open and disconnected after close', async () => {
      expect(bus.state()).toBe('connected');
      const states: string[] = [];
      bus.onStateChange((state) => states.push(state));
      await bus.close();
      expect(bus.state()).toBe('disconnected');
      expect(states).toContain('disconnected');
    });
  });
}

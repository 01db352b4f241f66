import { describeMarketBusContract } from './testing';
import { MemoryMarketBus } from './memory-market-bus';

describeMarketBusContract('memory', { create: async () => new MemoryMarketBus(), settle: async () => undefined });

describe('MemoryMarketBus', () => {
  it('forgets a stream once its last subscriber leaves', () => {
    const bus = new MemoryMarketBus();
    const stopA = bus.subscribe('price:BTC', () => undefined);
    const stopB = bus.subscribe('price:BTC', () => undefined);
    expect(bus.subscribedStreamCount()).toBe(1);
    stopA();
    expect(bus.subscribedStreamCount()).toBe(1);
    stopB();
    expect(bus.subscribedStreamCount()).toBe(0);
  });

  it('ignores publishes after close', async () => {
    const bus = new MemoryMarketBus();
    const seen: number[] = [];
    bus.subscribe('price:BTC', (e) => seen.push(e.seq));
    await bus.close();
    bus.publish({ stream: 'price:BTC', epoch: 1, seq: 1, payload: {}, acceptedAt: 0, publishedAt: 0 });
    expect(seen).toEqual([]);
    expect(await bus.latest(['price:BTC'])).toEqual([undefined]);
  });
});

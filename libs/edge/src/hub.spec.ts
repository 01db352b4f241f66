import { MemoryMarketBus, type Envelope } from '@mdg/bus';
import { Hub, type DeliveryInfo } from './hub';

function envelope(seq: number, epoch = 1, stream = 'price:BTC'): Envelope {
  return { stream, epoch, seq, payload: { seq }, acceptedAt: 0, publishedAt: 0 };
}

describe('Hub', () => {
  it('subscribes a stream on the bus once, however many listeners, and unsubscribes after the last', () => {
    const bus = new MemoryMarketBus();
    const hub = new Hub(bus);
    const a: number[] = [];
    const b: number[] = [];
    const detachA = hub.attach('price:BTC', (e) => a.push(e.seq));
    const detachB = hub.attach('price:BTC', (e) => b.push(e.seq));
    expect(bus.subscribedStreamCount()).toBe(1);
    bus.publish(envelope(1));
    detachA();
    bus.publish(envelope(2));
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
    detachB();
    detachB(); // idempotent
    expect(bus.subscribedStreamCount()).toBe(0);
    expect(hub.stats().streams).toBe(0);
  });

  it('flags a seq jump or an epoch change as a gap, and ignores duplicates and deposed epochs', () => {
    const bus = new MemoryMarketBus();
    const hub = new Hub(bus);
    const seen: [number, number, boolean][] = [];
    hub.attach('price:BTC', (e, info: DeliveryInfo) => seen.push([e.epoch, e.seq, info.gap]));
    for (const e of [envelope(1), envelope(2), envelope(2), envelope(5), envelope(1, 2), envelope(9, 1), envelope(2, 2)]) bus.publish(e);
    expect(seen).toEqual([
      [1, 1, false],
      [1, 2, false],
      [1, 5, true],
      [2, 1, true],
      [2, 2, false],
    ]);
    expect(hub.stats()).toMatchObject({ gaps: 2, stale: 2 });
    expect(hub.position('price:BTC')).toEqual({ epoch: 2, seq: 2 });
  });

  it('answers latest from what it received, else from the bus snapshot', async () => {
    const bus = new MemoryMarketBus();
    bus.publish(envelope(4, 1, 'price:ETH'));
    const hub = new Hub(bus);
    hub.attach('price:BTC', () => undefined);
    bus.publish(envelope(1));
    const [btc, eth, none] = await hub.latest(['price:BTC', 'price:ETH', 'price:XRP']);
    expect(btc?.seq).toBe(1);
    expect(eth?.seq).toBe(4);
    expect(none).toBeUndefined();
  });

  it('replays what came after a seq while the kept window covers it', () => {
    const bus = new MemoryMarketBus();
    const hub = new Hub(bus, 4);
    hub.attach('price:BTC', () => undefined);
    for (let seq = 1; seq <= 6; seq += 1) bus.publish(envelope(seq));
    expect(hub.since('price:BTC', 1, 4)!.map((e) => e.seq)).toEqual([5, 6]);
    expect(hub.since('price:BTC', 1, 2)!.map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect(hub.since('price:BTC', 1, 6)).toEqual([]);
    expect(hub.since('price:BTC', 1, 1)).toBeUndefined(); // seq 2 is no longer kept
    expect(hub.since('price:BTC', 2, 4)).toBeUndefined(); // other epoch
    expect(hub.since('price:ETH', 1, 0)).toBeUndefined();
  });

  it('tells its observer about every envelope the bus hands it, before fencing and before the listeners', () => {
    const bus = new MemoryMarketBus();
    const order: string[] = [];
    const hub = new Hub(bus, undefined, { onReceived: (e) => order.push(`observed ${e.epoch}/${e.seq}`) });
    hub.attach('price:BTC', (e) => order.push(`delivered ${e.epoch}/${e.seq}`));
    for (const e of [envelope(1), envelope(1), envelope(2)]) bus.publish(e);
    bus.publish(envelope(1, 1, 'price:ETH')); // nobody attached: never subscribed, never observed
    expect(order).toEqual(['observed 1/1', 'delivered 1/1', 'observed 1/1', 'observed 1/2', 'delivered 1/2']);
    expect(hub.stats().stale).toBe(1);
  });
});

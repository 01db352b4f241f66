import type { Envelope } from '@mdg/bus';
import type { DeliveryObserver, EdgeProtocol } from '@mdg/edge';
import type { PriceUpdate } from '@mdg/protocol';
import { connected, GatewayHarness, nextEvent, request, UpdateLog } from './testing/gateway-harness';
import { eventually } from '@mdg/testing';

interface Delivery {
  protocol: EdgeProtocol;
  envelope: Envelope;
  recipients: number;
  bytes: number;
}

/** What a WebSocket client receives for one event: `42/api-ws,["<event>",<payload>]`. */
function frameBytes(event: string, payload: unknown): number {
  return Buffer.byteLength(`42/api-ws,${JSON.stringify([event, payload])}`);
}

describe('SocketIoPriceGateway: delivery observer and sent counters', () => {
  let harness: GatewayHarness;

  afterEach(async () => {
    await harness.close();
  });

  it('reports each price-update handed to sockets once, with its recipients and frame size; counts messages and bytes per event', async () => {
    const deliveries: Delivery[] = [];
    const observer: DeliveryObserver = { onDelivered: (protocol, envelope, recipients, bytes) => deliveries.push({ protocol, envelope, recipients, bytes }) };
    harness = await GatewayHarness.start({ observer, before: ({ publish }) => publish('BTC', { price: 1 }) });

    // Nobody connected: nothing handed to a socket, nothing reported.
    harness.publish('BTC', { price: 2 });
    expect(deliveries).toEqual([]);

    const all = harness.connect(await harness.createKey('user-all'));
    const initial = await nextEvent<PriceUpdate[]>(all, 'initial-prices');
    const ethOnly = harness.connect(await harness.createKey('user-eth'));
    await connected(ethOnly);
    await request(ethOnly, 'subscribe', { symbols: ['ETH'] });
    await eventually(() => harness.gateway.stats().subscriptions === 21, { what: 'subscriptions: 20 for the first client, 1 for the second' });

    const allLog = new UpdateLog(all);
    const ethLog = new UpdateLog(ethOnly);
    const btc = harness.publish('BTC', { price: 3 });
    const eth = harness.publish('ETH', { price: 4 });
    await allLog.untilMarker('ETH', 4);
    await ethLog.untilMarker('ETH', 4);

    const [btcUpdate, ethUpdate] = allLog.updates;
    expect(deliveries).toEqual([
      { protocol: 'socketio', envelope: btc, recipients: 1, bytes: frameBytes('price-update', btcUpdate) },
      { protocol: 'socketio', envelope: eth, recipients: 2, bytes: frameBytes('price-update', ethUpdate) },
    ]);
    const initialBytes = frameBytes('initial-prices', initial);
    const stats = harness.gateway.stats();
    expect(stats.sent['price-update']).toEqual({ messages: 3, bytes: deliveries[0]!.bytes + 2 * deliveries[1]!.bytes });
    expect(stats.sent['initial-prices'].messages).toBe(2);
    // The second client's initial-prices has the same BTC entry: same size.
    expect(stats.sent['initial-prices'].bytes).toBe(2 * initialBytes);
    expect(stats.messagesSent).toBe(5);
  });

  it('works as before without an observer (the default)', async () => {
    harness = await GatewayHarness.start();
    const client = harness.connect(await harness.createKey('user-1'));
    await nextEvent(client, 'initial-prices');
    const log = new UpdateLog(client);
    harness.publish('SOL', { price: 5 });
    await log.untilMarker('SOL', 5);
    expect(harness.gateway.stats().sent['price-update'].messages).toBe(1);
  });
});

import type { Envelope } from '@mdg/bus';
import type { DeliveryObserver, EdgeProtocol } from '@mdg/edge';
import { ChartLiveHarness } from './testing/chart-live-harness';

interface Delivery {
  protocol: EdgeProtocol;
  envelope: Envelope;
  recipients: number;
  bytes: number;
}

describe('ChartLiveEndpoint: delivery observer and sent counters', () => {
  let harness: ChartLiveHarness;
  afterEach(async () => {
    await harness.close();
  });

  it('reports each live candle published to sockets once, with its recipients and frame size', async () => {
    const deliveries: Delivery[] = [];
    const observer: DeliveryObserver = { onDelivered: (protocol, envelope, recipients, bytes) => deliveries.push({ protocol, envelope, recipients, bytes }) };
    harness = await ChartLiveHarness.start({ observer });
    const token = harness.token(0);
    const a = await harness.connectReady();
    const b = await harness.connectReady();
    for (const client of [a, b]) {
      client.send({ tokenAddress: token.tokenAddress, timeframe: 60 });
      expect((await client.nextJson()).type).toBe('subscriptionConfirmed');
    }
    // Nobody subscribed to this stream: nothing handed to a socket, nothing reported.
    harness.publish(token, 300);
    const first = harness.publish(token, 60);
    const texts = [await a.next(), await b.next()];
    expect(texts[0]).toBe(texts[1]);
    expect(deliveries).toEqual([{ protocol: 'chart-live', envelope: first, recipients: 2, bytes: Buffer.byteLength(texts[0]!) }]);
    expect(harness.endpoint.stats()).toMatchObject({ connectionsOpened: 2, sent: { chart: { messages: 2, bytes: 2 * Buffer.byteLength(texts[0]!) } } });
  });

  it("splits messages and bytes into chart events and control messages, the late joiner's current candle included", async () => {
    harness = await ChartLiveHarness.start();
    const token = harness.token(0);
    const early = await harness.connectReady();
    early.send({ tokenAddress: token.tokenAddress, timeframe: 60 });
    await early.nextJson();
    harness.publish(token, 60);
    await early.next();
    const late = await harness.connectReady();
    late.send({ tokenAddress: token.tokenAddress, timeframe: 60 });
    expect((await late.nextJson()).type).toBe('subscriptionConfirmed');
    expect((await late.nextJson()).event).toBe('chart'); // the current candle, sent to the late joiner alone
    late.send('not json');
    expect((await late.nextJson()).code).toBe('INVALID_JSON');

    const bytes = (texts: string[]): number => texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    const all = [...early.texts, ...late.texts];
    const charts = all.filter((text) => text.startsWith('{"event":"chart"'));
    const controls = all.filter((text) => !text.startsWith('{"event":"chart"'));
    const stats = harness.endpoint.stats();
    expect(stats.sent).toEqual({ chart: { messages: 2, bytes: bytes(charts) }, control: { messages: 5, bytes: bytes(controls) } });
    expect(stats.messagesSent).toBe(7);
    expect(stats.bytesSent).toBe(bytes(all));
  });
});

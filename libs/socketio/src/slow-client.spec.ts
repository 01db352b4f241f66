import { existsSync, readFileSync } from 'node:fs';
import { ManualIntervalTimer } from '@mdg/feeds';
import type { PriceUpdate } from '@mdg/protocol';
import { connected, GatewayHarness, request, UpdateLog } from './testing/gateway-harness';
import { RawEngineIoClient } from './testing/raw-engine-io-client';

/** ~10 KB per update: a payload field the gateway passes through (the protocol allows added fields). */
const PADDING = 'x'.repeat(10_000);
const MiB = 1024 * 1024;

/** The most one loopback connection's kernel buffers can hold here (receive + send maximum), plus a margin. */
function kernelBufferCeilingBytes(): number {
  // Not Linux (or /proc hidden): assume a generous ceiling.
  const max = (file: string): number => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim().split(/\s+/).at(-1)) || 32 * MiB : 32 * MiB);
  return max('/proc/sys/net/ipv4/tcp_rmem') + max('/proc/sys/net/ipv4/tcp_wmem') + 8 * MiB;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('slow consumers on /api-ws', () => {
  let harness: GatewayHarness;
  let raw: RawEngineIoClient | undefined;
  let timer: ManualIntervalTimer;
  beforeEach(() => {
    timer = new ManualIntervalTimer();
  });

  afterEach(async () => {
    raw?.close();
    raw = undefined;
    await harness.close();
  });

  it('a client that stops reading is closed once its backlog passes the hard limit; others keep receiving', async () => {
    harness = await GatewayHarness.start({
      gateway: { maxBackpressureBytes: 1 * MiB, hardBackpressureBytes: 256 * 1024, timer },
    });
    const stalled = await RawEngineIoClient.connect(harness.port, '/api-ws', { apiKey: await harness.createKey('slow-user') });
    raw = stalled;
    expect(stalled.events.map(([name]) => name)).toEqual(['connect', 'initial-prices']);
    const healthy = harness.connect(await harness.createKey('healthy-user'));
    const log = new UpdateLog(healthy);
    await connected(healthy);
    await request(healthy, 'subscribe', { symbols: ['ETH'] });

    stalled.pause();
    // Flood until the check closes the stalled client: the kernel socket buffers absorb an
    // unknown amount first, so the flood is open-ended (capped at 200 MB to fail, not hang).
    let rounds = 0;
    while (harness.gateway.stats().connectionsClosed.slow_consumer === 0 && rounds < 1000) {
      for (let index = 0; index < 20; index++) harness.publish('BTC', { padding: PADDING } as Partial<PriceUpdate>);
      harness.publish('ETH', { price: rounds });
      rounds += 1;
      await pause(5); // lets the sockets write and the stalled one's buffers fill
      timer.tick(); // the periodic slow-client check, stepped by hand
    }
    expect(harness.gateway.stats()).toMatchObject({ connectionsClosed: { slow_consumer: 1 }, connections: 1 });

    harness.publish('ETH', { price: -1 });
    await log.untilMarker('ETH', -1);
    expect(healthy.connected).toBe(true);
    const ethSeqs = log.updates.map((update) => update.seq);
    expect(ethSeqs).toEqual(Array.from({ length: rounds + 1 }, (_, index) => index + 1));

    // Once it reads again it finds its connection closed (the stock client would reconnect).
    stalled.resume();
    await stalled.closed;
  });

  it('updates uWS drops past maxBackpressure reach the client as a seq jump, never out of order', async () => {
    harness = await GatewayHarness.start({
      // The slow-client check never runs (its timer is never stepped) so uWS's own limit acts alone.
      gateway: { maxBackpressureBytes: 64 * 1024, hardBackpressureBytes: 32 * 1024, timer },
    });
    const stalled = await RawEngineIoClient.connect(harness.port, '/api-ws', { apiKey: await harness.createKey('slow-user') });
    raw = stalled;
    stalled.pause();
    // More than the kernel can buffer for one connection: past that, uWS must drop.
    const published = Math.ceil(kernelBufferCeilingBytes() / PADDING.length);
    for (let index = 0; index < published; index++) {
      harness.publish('BTC', { padding: PADDING } as Partial<PriceUpdate>);
      if (index % 200 === 199) await pause(1);
    }
    stalled.resume();
    // While the backlog drains uWS is still past its limit and drops: publish small markers
    // until one gets through, then a final one that must arrive last.
    const received = (price: number): boolean => stalled.events.some(([name, update]) => name === 'price-update' && (update as PriceUpdate).price === price);
    let total = published;
    while (!received(-1)) {
      harness.publish('BTC', { price: -1 });
      total += 1;
      await pause(20);
    }
    const last = harness.publish('BTC', { price: -2 });
    total += 1;
    await stalled.until(() => received(-2), 'the final marker', 30_000);
    const seqs = stalled.events.filter(([name]) => name === 'price-update').map(([, update]) => (update as PriceUpdate).seq);
    expect(last.seq).toBe(total);
    expect(seqs.at(-1)).toBe(total);
    expect(seqs.length).toBeLessThan(total);
    for (let index = 1; index < seqs.length; index++) expect(seqs[index]!).toBeGreaterThan(seqs[index - 1]!);
    expect(harness.gateway.stats().connectionsClosed.slow_consumer).toBe(0);
  });
});

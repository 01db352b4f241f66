import { ManualIntervalTimer } from '@mdg/feeds';
import { ManualClock } from '@mdg/model';
import { eventually } from '@mdg/testing';
import { ChartLiveHarness } from './testing/chart-live-harness';
import type { TestClient } from './testing/test-client';

const SOFT = 64 * 1024;
const UPDATES_PER_BUCKET = 10;

interface Chart {
  time: number;
  closed: boolean;
  trades: number;
  seq: number | undefined;
}

function chartsOf(client: TestClient): Chart[] {
  return client.texts
    .map((text) => JSON.parse(text) as Record<string, unknown>)
    .filter((message) => message['event'] === 'chart')
    .map((message) => ({ ...(message['candle'] as Chart), seq: message['seq'] as number | undefined }));
}

/** From the end: polled often over thousands of messages. */
function lastSeq(client: TestClient): number {
  for (let index = client.texts.length - 1; index >= 0; index--) {
    const message = JSON.parse(client.texts[index]!) as { event?: string; seq?: number };
    if (message.event === 'chart' && message.seq !== undefined) return message.seq;
  }
  return 0;
}

describe('chart-live "flat": true, slow client', () => {
  let harness: ChartLiveHarness;
  afterEach(async () => {
    await harness.close();
  });

  it('fills the quiet buckets of a catch-up too, in order, with no hole', async () => {
    const clock = new ManualClock(1_000_000);
    const timer = new ManualIntervalTimer();
    harness = await ChartLiveHarness.start({
      options: { softBackpressureBytes: SOFT, hardBackpressureBytes: 64 * 1024 * 1024, slowConsumerTimeoutMs: 300, finalsKeptPerStream: 256, clock, timer },
    });
    const token = harness.token(0);
    const normal = await harness.connectReady();
    const flat = await harness.connectReady();
    for (const [client, extra] of [
      [normal, {}],
      [flat, { flat: true }],
    ] as const) {
      client.send({ tokenAddress: token.tokenAddress, timeframe: 1, ...extra });
      expect((await client.nextJson()).type).toBe('subscriptionConfirmed');
    }
    let bucket = 0;
    let published = 0;
    /** Buckets with updates and a final; every fourth bucket is quiet (skipped). */
    const publishBuckets = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        bucket += bucket % 4 === 3 ? 2 : 1;
        for (let u = 1; u <= UPDATES_PER_BUCKET; u++) harness.publish(token, 1, { bucket, closed: u === UPDATES_PER_BUCKET });
        published += UPDATES_PER_BUCKET;
      }
      const target = published;
      await normal.until(() => lastSeq(normal) >= target, 10_000, `the normal client to read seq ${target}`);
    };
    await publishBuckets(3);
    flat.pause();
    while (harness.endpoint.stats().slowClients === 0) {
      if (bucket > 5_000) throw new Error('the paused client was never found slow');
      await publishBuckets(5);
    }
    await publishBuckets(10);
    clock.advance(300);
    timer.tick();
    flat.resume();
    const last = published;
    await flat.until(() => lastSeq(flat) === last, 20_000, `the flat client to catch up to seq ${last}`);
    await eventually(
      () => {
        timer.tick();
        return harness.endpoint.stats().slowClients === 0;
      },
      { what: 'the flat client to go live again' },
    );
    await publishBuckets(3);
    await flat.until(() => lastSeq(flat) === published, 5000, 'live updates after the catch-up');

    const charts = chartsOf(flat);
    expect(harness.endpoint.stats()).toMatchObject({ resyncs: 1, incompleteCatchUps: 0 });
    expect(chartsOf(normal).filter((chart) => chart.seq === undefined)).toEqual([]); // the base client sees no flat candle
    for (let i = 1; i < charts.length; i++) {
      expect(charts[i]!.time).toBeGreaterThanOrEqual(charts[i - 1]!.time);
      if (charts[i]!.time > charts[i - 1]!.time) expect(charts[i - 1]!.closed).toBe(true);
    }
    const finals = charts.filter((chart) => chart.closed);
    for (let i = 1; i < finals.length; i++) expect(finals[i]!.time).toBe(finals[i - 1]!.time + 1000);
    // Quiet buckets before, during and after the slow period all came as flat finals.
    expect(finals.filter((chart) => chart.trades === 0 && chart.seq === undefined).length).toBeGreaterThan(bucket / 4 - 2);
  }, 60_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { eventually, frameText } from '@mdg/testing';
import { Gateway } from './gateway';
import { embeddedTestConfig } from './testing/embedded-test-config';

const MINT = 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n';
const GRACE_MS = 2_000;
/** Every round sends a trade this far in the past (out of order, inside the grace) next to a current one. */
const LAG_MS = 300;

interface Seen {
  time: number;
  closed: boolean;
  trades: number;
}

/** One `ws` client on /ws/chart-live that records candles (history and live) in arrival order. */
class ChartClient {
  readonly seen: Seen[] = [];
  private readonly ws: WebSocket;

  constructor(base: string, apiKey: string, subscription: Record<string, unknown>) {
    this.ws = new WebSocket(`${base.replace('http', 'ws')}/ws/chart-live`, { headers: { 'x-api-key': apiKey } });
    this.ws.on('open', () => this.ws.send(JSON.stringify({ tokenAddress: MINT, timeframe: 1, ...subscription })));
    this.ws.on('message', (data) => {
      const message = JSON.parse(frameText(data)) as { event?: string; candle?: Seen; candles?: Seen[] };
      if (message.event === 'history') for (const candle of message.candles ?? []) this.seen.push({ ...candle, closed: true });
      if (message.event === 'chart' && message.candle)
        this.seen.push({ time: message.candle.time, closed: message.candle.closed, trades: message.candle.trades });
    });
  }

  final(time: number): Seen | undefined {
    return this.seen.find((candle) => candle.closed && candle.time === time);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The order rule of PROTOCOL.md: never older than already sent, the final of T before anything of T+1, one final per bucket. */
function expectInOrder(seen: readonly Seen[]): void {
  const finals = new Set<number>();
  let newest = Number.NEGATIVE_INFINITY;
  for (const candle of seen) {
    expect(candle.time).toBeGreaterThanOrEqual(newest);
    if (candle.time > newest && newest !== Number.NEGATIVE_INFINITY) expect(finals.has(newest)).toBe(true);
    expect(finals.has(candle.time)).toBe(false);
    if (candle.closed) finals.add(candle.time);
    newest = candle.time;
  }
}

describe('candle order end to end (embedded gateway, trades pushed out of order within the grace)', () => {
  let dir: string;
  let gateway: Gateway;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mdg-order-'));
    const config = embeddedTestConfig(dir, { MDG_FEED: 'ingest', MDG_AUTO_TRACK_TOKENS: 'true', MDG_CANDLE_GRACE_INGEST_MS: String(GRACE_MS) });
    gateway = await Gateway.create(config, { log: () => undefined });
    base = `http://127.0.0.1:${await gateway.start()}`;
  });

  afterAll(async () => {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never goes back in time, for live, late-joining, history and flat clients, keeps the late trades, and fills quiet buckets for flat', async () => {
    const indexer = (await gateway.keyStore.create({ userId: 'indexer', plan: 'free', scopes: ['ingest'] })).apiKey;
    const viewer = (await gateway.keyStore.create({ userId: 'viewer', plan: 'pro' })).apiKey;
    const sent = new Map<number, number>(); // bucket → trades sent for it
    let id = 0;
    const push = async (times: number[]): Promise<void> => {
      const lines = times.map((time) =>
        JSON.stringify({ instrument: MINT, price: 1 + (id % 7) / 10, size: 1000, side: id % 2 ? 'buy' : 'sell', time, tradeId: `o${id++}:0`, source: 'test' }),
      );
      const response = await fetch(`${base}/ingest/trades`, {
        method: 'POST',
        headers: { 'x-api-key': indexer, 'content-type': 'application/x-ndjson', connection: 'close' },
        body: lines.join('\n'),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { accepted: number }).accepted).toBe(times.length);
      for (const time of times) sent.set(time - (time % 1000), (sent.get(time - (time % 1000)) ?? 0) + 1);
    };
    await push([Date.now()]); // auto-tracks the token
    await eventually(() => gateway.registry.findToken(MINT) !== undefined, { what: 'the token tracked', timeoutMs: 5_000 });
    const live = new ChartClient(base, viewer, {});
    const flat = new ChartClient(base, viewer, { flat: true });
    const clients = [live, flat];
    const firstBucket = Date.now() - (Date.now() % 1000);
    // Trades for about 4 s: each round one at now, and one LAG_MS older that often lands in the previous bucket.
    let round = 0;
    while (Date.now() < firstBucket + 4_000) {
      const now = Date.now();
      await push([now, now - LAG_MS]);
      round += 1;
      if (round === 12) clients.push(new ChartClient(base, viewer, {}), new ChartClient(base, viewer, { history: 10 }));
      // Pacing the producer over real time (the engine runs on the system clock), not waiting for a result.
      await eventually(() => Date.now() >= now + 50, { what: 'the next round', timeoutMs: 1_000, intervalMs: 10 });
    }
    // Then a quiet market for two whole buckets, and one more trade.
    const quietFrom = Date.now() - (Date.now() % 1000) + 1000;
    await eventually(() => Date.now() >= quietFrom + 2_000, { what: 'two quiet buckets', timeoutMs: 4_000, intervalMs: 20 });
    await push([Date.now()]);
    const buckets = [...sent.keys()].sort((a, b) => a - b);
    const lastBucket = buckets.at(-1)!;
    await eventually(() => clients.every((client) => client.final(lastBucket) !== undefined), { what: 'every client has the last final', timeoutMs: 15_000 });
    for (const client of clients) expectInOrder(client.seen);
    // The late trades were kept: the live client's finals count every trade sent for their bucket.
    for (const bucket of buckets.filter((bucket) => bucket >= firstBucket)) expect(live.final(bucket)?.trades).toBe(sent.get(bucket));
    // The late joiners got candles too.
    expect(clients[3]!.seen.length).toBeGreaterThan(0);
    // "flat": a final for every bucket from its first on, the quiet ones flat at the previous close; base clients see no quiet bucket.
    const flatFinals = flat.seen.filter((candle) => candle.closed);
    for (let i = 1; i < flatFinals.length; i++) expect(flatFinals[i]!.time).toBe(flatFinals[i - 1]!.time + 1000);
    expect(flat.final(quietFrom)).toMatchObject({ trades: 0 });
    expect(live.final(quietFrom)).toBeUndefined();
    for (const client of clients) client.close();
  }, 40_000);
});

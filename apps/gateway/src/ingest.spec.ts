import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { WRAPPED_SOL_MINT } from '@mdg/model';
import { eventually, frameText } from '@mdg/testing';
import { Gateway } from './gateway';
import { embeddedTestConfig } from './testing/embedded-test-config';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const MINT = 'EfadCVV4RNwiKpbmjxU2rZrBgTyYYPna3DjC4qZ1hnKy';

describe('on-chain token trades in: tokens registered by the CLI, trades pushed over HTTP (embedded gateway)', () => {
  let dir: string;
  let gateway: Gateway;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mdg-ingest-'));
    const config = embeddedTestConfig(dir, { MDG_FEED: 'ingest' });
    gateway = await Gateway.create(config, { log: () => undefined });
    base = `http://127.0.0.1:${await gateway.start()}`;
  });

  afterAll(async () => {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tracks a token added with `mdg tokens add`, applies trades POSTed by an indexer, and streams their candle', async () => {
    // No simulator in MDG_FEED: none of its made-up tokens is listed, only what is registered.
    expect(gateway.registry.tokens()).toEqual([]);
    const env = { ...process.env, MDG_TOKENS_FILE: path.join(dir, 'tokens.json') };
    await run(
      process.execPath,
      ['--import', 'tsx', 'apps/cli/src/main.ts', 'tokens', 'add', MINT, '--decimals', '6', '--quote', WRAPPED_SOL_MINT, '--symbol', 'KAMINO9'],
      { cwd: ROOT, env },
    );
    await eventually(() => gateway.registry.findToken(MINT) !== undefined, { what: 'the gateway to pick up the token added by the CLI', timeoutMs: 3_000 });

    const viewer = (await gateway.keyStore.create({ userId: 'viewer', plan: 'free' })).apiKey;
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/chart-live`, { headers: { 'x-api-key': viewer } });
    const events: { event?: string; candle?: { trades: number; volume: number; close: number; closed: boolean } }[] = [];
    ws.on('message', (data) => events.push(JSON.parse(frameText(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ tokenAddress: MINT, timeframe: 60 }));
    await eventually(() => events.some((m) => (m as { type?: string }).type === 'subscriptionConfirmed'), {
      what: 'the subscription confirmation',
      timeoutMs: 10_000,
    });

    const indexer = (await gateway.keyStore.create({ userId: 'indexer', plan: 'free', scopes: ['ingest'] })).apiKey;
    const now = Date.now();
    const trades = [
      { instrument: MINT, price: 0.5, size: 2_000_000, side: 'buy', time: now - 20, tradeId: 'sig1:0', source: 'raydium' },
      { instrument: MINT, price: 0.7, size: 1_000_000, side: 'sell', time: now - 10, tradeId: 'sig1:1', source: 'raydium' },
    ];
    const body = [...trades.map((trade) => JSON.stringify(trade)), '{"broken": ', JSON.stringify(trades[0])].join('\n');
    const response = await fetch(`${base}/ingest/trades`, {
      method: 'POST',
      headers: { 'x-api-key': indexer, 'content-type': 'application/x-ndjson', connection: 'close' },
      body,
    });
    expect(response.status).toBe(200);
    const result = (await response.json()) as { accepted: number; rejected: { line: number; code: string }[] };
    expect(result.rejected).toEqual([expect.objectContaining({ line: 3, code: 'INVALID_JSON' })]);

    const candles = () => events.filter((m) => m.event === 'chart').map((m) => m.candle!);
    const candle = await eventually(() => candles().find((c) => c.trades === 2), { what: 'the candle of both trades', timeoutMs: 10_000 });
    expect(candle).toMatchObject({ trades: 2, volume: 3_000_000, close: 0.7 });
    // The duplicate of sig1:0 on line 4 was applied once: a later marker trade, once streamed, is the third trade, not the fourth.
    const marker = { instrument: MINT, price: 0.9, size: 500_000, side: 'buy', time: now - 5, tradeId: 'sig2:0', source: 'raydium' };
    const markerResponse = await fetch(`${base}/ingest/trades`, {
      method: 'POST',
      headers: { 'x-api-key': indexer, 'content-type': 'application/x-ndjson', connection: 'close' },
      body: JSON.stringify(marker),
    });
    expect(markerResponse.status).toBe(200);
    const withMarker = await eventually(() => candles().find((c) => c.close === 0.9), { what: 'the candle with the marker trade', timeoutMs: 10_000 });
    expect(withMarker).toMatchObject({ trades: 3, volume: 3_500_000 });
    expect(candles().every((c) => c.trades <= 3)).toBe(true);
    ws.close();

    const refused = await fetch(`${base}/ingest/trades`, {
      method: 'POST',
      headers: { 'x-api-key': viewer, 'content-type': 'application/x-ndjson', connection: 'close' },
      body: JSON.stringify(trades[0]),
    });
    expect(refused.status).toBe(403);
  }, 30_000);
});

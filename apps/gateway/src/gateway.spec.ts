import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { SimulatedFeed } from '@mdg/feeds';
import { systemClock, type Candle } from '@mdg/model';
import { loadGatewayConfig } from '@mdg/config';
import { ReferenceCandles } from '@mdg/engine/testing';
import { eventually, frameText } from '@mdg/testing';
import { Gateway } from './gateway';
import { RecordingFeed } from './testing/recording-feed';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');

interface ChartEvent {
  event: string;
  tokenAddress: string;
  quoteToken: string;
  timeframe: number;
  candle: Candle & { datetime: string; closed: boolean };
  seq: number;
}

describe('the embedded gateway, end to end', () => {
  let dir: string;
  let gateway: Gateway;
  let feed: RecordingFeed;
  let base: string;
  const logs: string[] = [];
  const sockets: Socket[] = [];
  const raws: WebSocket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mdg-gateway-'));
    const config = loadGatewayConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      MDG_KEYS_FILE: path.join(dir, 'keys.json'),
      MDG_SIM_SEED: '42',
      MDG_SIM_RATE: '2000',
      MDG_SIM_RAT: '1',
    });
    feed = new RecordingFeed(new SimulatedFeed({ seed: 42, tradesPerSecond: 2_000, clock: systemClock }), systemClock);
    gateway = await Gateway.create(config, { feed, log: (line) => logs.push(line) });
    const port = await gateway.start();
    base = `http://127.0.0.1:${port}`;
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const raw of raws.splice(0)) raw.terminate();
  });

  afterAll(async () => {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints demo keys that work: the documented Socket.IO example gets initial-prices, then live updates', async () => {
    const apiKey = gateway.demoKeys!.pro;
    // PROTOCOL.md section A's JavaScript example, unchanged but for URL and key.
    const socket = io(`${base}/api-ws`, { auth: { apiKey }, transports: ['websocket'] });
    sockets.push(socket);
    const initial: unknown[] = [];
    const updates: { symbol: string; price: number; seq: number }[] = [];
    socket.on('initial-prices', (prices: unknown[]) => initial.push(prices));
    socket.on('price-update', (update: { symbol: string; price: number; seq: number }) => updates.push(update));
    await eventually(() => updates.length >= 40, { what: '40 price-updates', timeoutMs: 10_000 });
    expect(initial).toHaveLength(1);
    const symbols = new Set(updates.map((update) => update.symbol));
    expect(symbols.size).toBeGreaterThan(5);
    for (const update of updates) expect(Object.keys(update).sort()).toEqual(['change', 'changePercent', 'price', 'seq', 'symbol', 'timestamp', 'volume']);
  });

  it('serves the documented Python example (python-socketio, websocket transport) unchanged but for URL and key', async () => {
    // The same script the Socket.IO adapter's tests use; here it talks to the whole gateway.
    const script = path.join(ROOT, 'libs/socketio/src/testing/python-price-client.py');
    const { stdout } = await run('/usr/bin/python3', [script, base, gateway.demoKeys!.pro, '25', 'websocket'], { timeout: 20_000 });
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as [string, unknown]);
    expect(lines[0]![0]).toBe('initial-prices');
    const updates = lines.slice(1);
    expect(updates).toHaveLength(25);
    expect(updates.every(([name]) => name === 'price-update')).toBe(true);
    expect(new Set(updates.map(([, update]) => (update as { symbol: string }).symbol)).size).toBeGreaterThan(3);
  }, 30_000);

  it('refuses the demo free key on /api-ws with the documented message', async () => {
    const socket = io(`${base}/api-ws`, { auth: { apiKey: gateway.demoKeys!.free }, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    const error = await new Promise<Error & { data?: { code: string } }>((resolve) => socket.on('connect_error', resolve));
    expect(error.message).toBe('Pro subscription required');
    expect(error.data).toEqual({ code: 'PRO_REQUIRED' });
  });

  it('streams candles over /ws/chart-live whose final values equal the reference computed from the same trades', async () => {
    const token = gateway.registry.tokens()[0]!;
    // PROTOCOL.md section B's flow with the `ws` package.
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/chart-live`, { headers: { 'x-api-key': gateway.demoKeys!.free } });
    raws.push(ws);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(frameText(data)) as Record<string, unknown>));
    await new Promise((resolve) => ws.once('open', resolve));
    await eventually(() => messages.length >= 1, { what: 'the connected greeting', timeoutMs: 10_000 });
    expect(messages[0]).toEqual({
      type: 'connected',
      message: 'Connected to ChartLive WebSocket. Send a JSON object with "tokenAddress" and optional "timeframe".',
    });
    ws.send(JSON.stringify({ tokenAddress: token.tokenAddress, timeframe: 1 }));
    ws.send(JSON.stringify({ tokenAddress: 'BTC' }));
    const finals = await eventually(
      () => {
        const closed = messages.filter((m): m is ChartEvent & Record<string, unknown> => m['event'] === 'chart' && (m as unknown as ChartEvent).candle.closed);
        return closed.length >= 3 ? closed : undefined;
      },
      { what: 'three closed 1 s chart candles', timeoutMs: 15_000 },
    );
    expect(messages[1]).toEqual({ type: 'subscriptionConfirmed', message: `Subscribed to ${token.tokenAddress} with 1s timeframe` });
    expect(messages).toContainEqual(expect.objectContaining({ type: 'error', code: 'TOKEN_NOT_TRACKED' }));

    const reference = new ReferenceCandles(gateway.registry, 1_000);
    for (const { trade, nowMs } of feed.trades) reference.add(trade, nowMs);
    for (const event of finals) {
      expect(event).toMatchObject({ event: 'chart', tokenAddress: token.tokenAddress, quoteToken: token.quoteToken, timeframe: 1 });
      expect(event.candle.datetime).toBe(new Date(event.candle.time).toISOString());
      expect(event.candle.time % 1000).toBe(0);
      const expected = reference.candle(token.tokenAddress, 1, event.candle.time)!;
      const { datetime: _datetime, closed: _closed, volume, volumeUsd, ...exact } = event.candle;
      const { volume: expectedVolume, volumeUsd: expectedUsd, ...expectedExact } = expected;
      expect(exact).toEqual(expectedExact);
      expect(volume).toBeCloseTo(expectedVolume, 0);
      expect(Math.abs(volumeUsd - expectedUsd)).toBeLessThanOrEqual(1e-9 * expectedUsd);
    }
  });

  it('exposes Prometheus metrics that move with the traffic', async () => {
    const socket = io(`${base}/api-ws`, { auth: { apiKey: gateway.demoKeys!.pro }, transports: ['websocket'] });
    sockets.push(socket);
    await new Promise((resolve) => socket.once('price-update', resolve));
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const body = await response.text();
    const value = (pattern: RegExp) => Number(pattern.exec(body)?.[1]);
    expect(value(/^mdg_connections\{protocol="socketio"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^mdg_engine_trades_processed_total (\d+)/m)).toBeGreaterThan(0);
    expect(value(/^mdg_tick_to_wire_seconds_count\{protocol="socketio"\} (\d+)/m)).toBeGreaterThan(0);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('answers a chart-live subscription with history, then a bot reconnecting with since gets exactly what it missed', async () => {
    const token = gateway.registry.tokens()[1]!;
    const url = `${base.replace('http', 'ws')}/ws/chart-live`;
    const open = async () => {
      const ws = new WebSocket(url, { headers: { 'x-api-key': gateway.demoKeys!.pro } });
      raws.push(ws);
      const messages: Record<string, unknown>[] = [];
      ws.on('message', (data) => messages.push(JSON.parse(frameText(data)) as Record<string, unknown>));
      await new Promise((resolve) => ws.once('open', resolve));
      return { ws, messages };
    };
    // The engine's published 1 s finals of this token: what the history store receives.
    const published: number[] = [];
    const stopWatching = gateway.engine!.pipeline()!.onPublish(({ candles }) => {
      for (const update of candles) if (update.closed && update.instrument === token.tokenAddress && update.timeframe === 1) published.push(update.candle.time);
    });
    // Let a few 1 s buckets close first (history needs at least two, and one may still be on its way to the store).
    await eventually(() => published.length >= 3, { what: 'three published 1 s finals', timeoutMs: 15_000 });
    const first = await open();
    first.ws.send(JSON.stringify({ tokenAddress: token.tokenAddress, timeframe: 1, history: 1000 }));
    const history = await eventually(() => first.messages.find((m) => m['event'] === 'history'), { what: 'the history answer', timeoutMs: 10_000 });
    const candles = history['candles'] as (Candle & { closed: boolean })[];
    expect(candles.length).toBeGreaterThanOrEqual(2);
    expect(candles.every((candle) => candle.closed)).toBe(true);
    const finalsSeen = () => [
      ...candles.map((c) => c.time),
      ...first.messages
        .filter((m) => m['event'] === 'chart' && (m as unknown as ChartEvent).candle.closed)
        .map((m) => (m as unknown as ChartEvent).candle.time),
    ];
    await eventually(() => finalsSeen().length >= candles.length + 2, { what: 'two live finals after the history', timeoutMs: 10_000 });
    const seen = finalsSeen();
    expect(new Set(seen).size).toBe(seen.length); // no candle repeated at the seam
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    // The bot drops, misses a few buckets, and comes back with since = its last final.
    const last = seen[seen.length - 1]!;
    first.ws.terminate();
    await eventually(() => published.filter((time) => time > last).length >= 2, { what: 'two finals published while the bot was away', timeoutMs: 15_000 });
    stopWatching();
    const second = await open();
    second.ws.send(JSON.stringify({ tokenAddress: token.tokenAddress, timeframe: 1, since: last }));
    const replay = await eventually(() => second.messages.find((m) => m['event'] === 'history'), {
      what: 'the since-replay history answer',
      timeoutMs: 10_000,
    });
    expect(replay['complete']).toBe(true);
    const missed = (replay['candles'] as Candle[]).map((c) => c.time);
    expect(missed.length).toBeGreaterThanOrEqual(1);
    expect(missed.every((time) => time > last)).toBe(true);
    const reference = new ReferenceCandles(gateway.registry, 1_000);
    for (const { trade, nowMs } of feed.trades) reference.add(trade, nowMs);
    const expectedTimes = reference
      .candles(token.tokenAddress, 1)
      .map((c) => c.time)
      .filter((time) => time > last && time <= missed[missed.length - 1]!);
    expect(missed).toEqual(expectedTimes);
  }, 30_000);

  it('warns at start about an unknown MDG_* setting, naming the nearest known one', () => {
    expect(logs[0]).toBe('warning: MDG_SIM_RAT is not a known setting; did you mean MDG_SIM_RATE?');
  });

  it('serves /healthz, /readyz and /instruments', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', reasons: [] });
    const instruments = (await (await fetch(`${base}/instruments`)).json()) as {
      prices: { symbols: string[] };
      chartLive: { tokens: { tokenAddress: string }[]; timeframes: number[] };
    };
    expect(instruments.prices.symbols).toHaveLength(20);
    expect(instruments.chartLive.tokens.map((t) => t.tokenAddress)).toEqual(gateway.registry.tokens().map((t) => t.tokenAddress));
    expect(instruments.chartLive.timeframes).toEqual([1, 5, 15, 30, 60, 300, 900, 1800, 3600, 14400, 86400]);
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain(gateway.demoKeys!.pro);
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
  });

  it('picks up a key created by the CLI in another process, and disconnects it when the CLI revokes it', async () => {
    const env = { ...process.env, MDG_KEYS_FILE: path.join(dir, 'keys.json') };
    const created = await run('npx', ['tsx', 'apps/cli/src/main.ts', 'keys', 'create', '--user', 'carol', '--plan', 'pro'], {
      cwd: ROOT,
      env: { ...env, MDG_KEY_FILE: 'typo.json' },
    });
    // The CLI reads the same validated settings as the gateway, and says so when one is misspelt.
    expect(created.stderr).toContain('warning: MDG_KEY_FILE is not a known setting; did you mean MDG_KEYS_FILE?');
    const apiKey = /ci_live_[0-9A-Za-z]+/.exec(created.stdout)![0];
    // The server polls the keys file: the new key must work within 2 s.
    const createdAt = Date.now();
    const connected = await (async () => {
      for (let attempt = 0; attempt < 40; attempt += 1) {
        const candidate = io(`${base}/api-ws`, { auth: { apiKey }, transports: ['websocket'], reconnection: false });
        sockets.push(candidate);
        const ok = await new Promise<boolean>((resolve) => {
          candidate.once('connect', () => resolve(true));
          candidate.once('connect_error', () => resolve(false));
        });
        if (ok) return candidate;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return undefined;
    })();
    expect(connected).toBeDefined();
    expect(Date.now() - createdAt).toBeLessThan(2_000);
    const closed = new Promise<string>((resolve) => connected!.once('disconnect', resolve));
    const prefix = apiKey.slice(0, 'ci_live_'.length + 6);
    await run('npx', ['tsx', 'apps/cli/src/main.ts', 'keys', 'revoke', prefix], { cwd: ROOT, env });
    const started = Date.now();
    expect(await closed).toBe('io server disconnect');
    expect(Date.now() - started).toBeLessThan(2_500);
  }, 60_000);
});

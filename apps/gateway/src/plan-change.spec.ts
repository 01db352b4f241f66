import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { loadGatewayConfig } from '@mdg/config';
import { eventually } from '@mdg/testing';
import { Gateway } from './gateway';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');

/**
 * Issue 12, end to end in the embedded mode: the CLI changes a user's plan in the keys file
 * from another process; the gateway's key store sees the change and the edge session layer
 * cuts the connections the new plan no longer entitles, on both protocols, within 2 s.
 */
describe('the embedded gateway: plan changes made with the CLI', () => {
  let dir: string;
  let gateway: Gateway;
  let base: string;
  const sockets: Socket[] = [];
  const raws: WebSocket[] = [];

  const cli = (...args: string[]) =>
    run('npx', ['tsx', 'apps/cli/src/main.ts', 'keys', ...args], { cwd: ROOT, env: { ...process.env, MDG_KEYS_FILE: path.join(dir, 'keys.json') } });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mdg-plan-change-'));
    const config = loadGatewayConfig({ PORT: '0', HOST: '127.0.0.1', MDG_KEYS_FILE: path.join(dir, 'keys.json'), MDG_SIM_SEED: '7', MDG_SIM_RATE: '50' });
    gateway = await Gateway.create(config, { log: () => undefined });
    base = `http://127.0.0.1:${await gateway.start()}`;
  });

  afterAll(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const raw of raws.splice(0)) raw.terminate();
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One /api-ws attempt: the socket once connected, or the connect_error message. */
  const tryPrices = (apiKey: string): Promise<Socket | string> => {
    const socket = io(`${base}/api-ws`, { auth: { apiKey }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(socket);
    return new Promise((resolve) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (error) => resolve(error.message));
    });
  };

  const openChart = async (apiKey: string): Promise<{ ws: WebSocket; messages: Record<string, unknown>[]; closed: Promise<number> }> => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/chart-live`, { headers: { 'x-api-key': apiKey } });
    raws.push(ws);
    const messages: Record<string, unknown>[] = [];
    ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.once('open', resolve));
    await eventually(() => messages.length > 0, { what: 'the connected message' });
    expect(messages[0]).toMatchObject({ type: 'connected' });
    return { ws, messages, closed };
  };

  it('a downgrade to free cuts /api-ws within 2 s and keeps /ws/chart-live; deactivating the plan then cuts /ws/chart-live with 4401', async () => {
    const created = await cli('create', '--user', 'dora', '--plan', 'pro');
    const apiKey = /ci_live_[0-9A-Za-z]+/.exec(created.stdout)![0];
    // The gateway polls the keys file: wait until it knows the new key.
    const prices = await eventually(
      async () => {
        const attempt = await tryPrices(apiKey);
        return typeof attempt === 'string' ? undefined : attempt;
      },
      { what: 'the new key to open /api-ws', timeoutMs: 10_000, intervalMs: 100 },
    );
    await new Promise((resolve) => prices.once('price-update', resolve));
    const chart = await openChart(apiKey);

    const pricesGone = new Promise<string>((resolve) => prices.once('disconnect', resolve));
    await cli('plan', '--user', 'dora', '--plan', 'free');
    const downgradedAt = Date.now();
    expect(await pricesGone).toBe('io server disconnect');
    expect(Date.now() - downgradedAt).toBeLessThan(2000);
    expect(await tryPrices(apiKey)).toBe('Pro subscription required');
    // chart-live serves free plans: the bot keeps its stream.
    chart.ws.send(JSON.stringify({ type: 'ping' }));
    await eventually(() => chart.messages.some((message) => message['type'] === 'pong'), { what: 'the pong on the downgraded chart-live connection' });

    await cli('plan', '--user', 'dora', '--plan', 'free', '--inactive');
    const deactivatedAt = Date.now();
    expect(await chart.closed).toBe(4401);
    expect(Date.now() - deactivatedAt).toBeLessThan(2000);
    expect(chart.messages.at(-1)).toEqual({ type: 'error', code: 'AUTH_FAILED', message: 'Authentication failure: the plan of this API key is inactive' });
  }, 60_000);
});

import * as http from 'node:http';
import * as net from 'node:net';
import uWS from 'uWebSockets.js';
import { MemoryKeyStore } from '@mdg/auth';
import { InstrumentRegistry, ManualClock, WRAPPED_SOL_MINT, type Trade } from '@mdg/model';
import { MemoryTokenRegistry } from '@mdg/tokens';
import { CONTRACT_TOKENS } from '@mdg/tokens/testing';
import { eventually } from '@mdg/testing';
import { registerIngestRoute, type IngestRoute, type IngestRouteOptions } from './ingest-route';

const NOW = Date.UTC(2025, 3, 30, 12);
const [bonk, usdc] = CONTRACT_TOKENS;
const NDJSON = 'application/x-ndjson';

function trade(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    instrument: bonk.tokenAddress,
    price: 0.00002 + i * 1e-7,
    size: 1000 + i,
    side: i % 2 ? 'buy' : 'sell',
    time: NOW - 10_000 + i,
    tradeId: `sig${i}:0`,
    source: 'raydium',
    ...overrides,
  };
}

describe('POST /ingest/trades', () => {
  let listenSocket: uWS.us_listen_socket | undefined;
  let base: string;
  let keyStore: MemoryKeyStore;
  let received: Trade[][];
  let route: IngestRoute;
  let ingestKey: string;
  let chartKey: string;
  let registry: InstrumentRegistry;
  let failNext: boolean;

  async function serve(options: Partial<IngestRouteOptions> = {}): Promise<void> {
    const app = uWS.App();
    route = registerIngestRoute(app, {
      keyStore,
      registry,
      clock: new ManualClock(NOW),
      maxBodyBytes: 4096,
      onTrades: async (trades) => {
        if (failNext) throw new Error('redis down');
        received.push(trades);
      },
      onError: () => undefined,
      ...options,
    });
    const port = await new Promise<number>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (socket) => {
        if (socket === false) return reject(new Error('cannot listen'));
        listenSocket = socket;
        resolve(uWS.us_socket_local_port(socket));
      }),
    );
    base = `http://127.0.0.1:${port}`;
  }

  beforeEach(async () => {
    keyStore = new MemoryKeyStore();
    ingestKey = (await keyStore.create({ userId: 'indexer-1', plan: 'free', scopes: ['ingest'] })).apiKey;
    chartKey = (await keyStore.create({ userId: 'bot-1', plan: 'pro', scopes: ['chart'] })).apiKey;
    registry = new InstrumentRegistry([bonk]);
    received = [];
    failNext = false;
    await serve();
  });

  afterEach(async () => {
    if (listenSocket !== undefined) uWS.us_listen_socket_close(listenSocket);
    listenSocket = undefined;
    await keyStore.close();
  });

  /**
   * A POST over a fresh connection that is closed after the answer (node:http without
   * keep-alive), so no client socket outlives its test; `agent` reuses connections on purpose.
   */
  function request(
    body: string | Uint8Array,
    headers: Record<string, string>,
    agent: http.Agent | false = false,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${base}/ingest/trades`, { method: 'POST', headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  function post(
    body: string | Uint8Array,
    headers: Record<string, string> = { 'content-type': NDJSON, 'x-api-key': ingestKey },
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    return request(body, headers);
  }

  it('accepts an NDJSON batch and reports each bad line with its number, error and code', async () => {
    const lines = [
      JSON.stringify(trade(1)),
      '',
      '{"instrument":',
      JSON.stringify(trade(2, { price: 0 })),
      JSON.stringify(trade(3, { instrument: usdc.tokenAddress })),
      JSON.stringify(trade(4, { instrument: 'NOPE' })),
      JSON.stringify(trade(5)) + '\r',
    ];
    const { status, body } = await post(lines.join('\n') + '\n');
    expect(status).toBe(200);
    expect(body).toEqual({
      accepted: 2,
      rejected: [
        { line: 3, code: 'INVALID_JSON', error: expect.stringContaining('not JSON') },
        { line: 4, code: 'INVALID_TRADE', error: 'Invalid trade: price must be a finite number > 0' },
        { line: 5, code: 'TOKEN_NOT_TRACKED', error: `Token not found or not tracked: ${usdc.tokenAddress}` },
        { line: 6, code: 'UNKNOWN_INSTRUMENT', error: 'Unknown instrument: NOPE' },
      ],
    });
    expect(received).toEqual([[trade(1), trade(5)]]);
    expect(route.stats()).toEqual({ batches: 1, accepted: 2, rejected: 4, refused: {} });
  });

  it('accepts a JSON array, numbering items by position', async () => {
    const { status, body } = await post(JSON.stringify([trade(1), trade(2, { side: 'up' }), trade(3)]), {
      'content-type': 'application/json; charset=utf-8',
      'x-api-key': ingestKey,
    });
    expect(status).toBe(200);
    expect(body).toEqual({ accepted: 2, rejected: [{ line: 2, code: 'INVALID_TRADE', error: "Invalid trade: side must be 'buy' or 'sell'" }] });
    expect(received).toEqual([[trade(1), trade(3)]]);
  });

  it('does not call onTrades when nothing is valid', async () => {
    const { status, body } = await post(JSON.stringify(trade(1, { size: -1 })));
    expect(status).toBe(200);
    expect(body).toMatchObject({ accepted: 0, rejected: [{ line: 1, code: 'INVALID_TRADE' }] });
    expect(received).toEqual([]);
  });

  it.each([
    ['no key', {}, 401, 'AUTH_FAILED'],
    ['a malformed key', { 'x-api-key': 'hunter2' }, 401, 'AUTH_FAILED'],
    ['an unknown key', { 'x-api-key': 'ci_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 401, 'AUTH_FAILED'],
  ])('refuses %s with 401', async (_name, headers, status, code) => {
    const result = await post(JSON.stringify(trade(1)), { 'content-type': NDJSON, ...(headers as Record<string, string>) });
    expect(result).toEqual({ status, body: { code, error: expect.stringContaining('Authentication failed') } });
    expect(received).toEqual([]);
  });

  it('refuses a valid key without the ingest scope with 403, and a revoked ingest key with 401', async () => {
    expect(await post(JSON.stringify(trade(1)), { 'content-type': NDJSON, 'x-api-key': chartKey })).toEqual({
      status: 403,
      body: { code: 'INGEST_FORBIDDEN', error: 'This API key lacks the ingest scope' },
    });
    await keyStore.revoke(ingestKey);
    expect((await post(JSON.stringify(trade(1)))).status).toBe(401);
    expect(received).toEqual([]);
    expect(route.stats().refused).toEqual({ 401: 1, 403: 1 });
  });

  it('refuses a body over maxBodyBytes with 413 and reads no more of it', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => JSON.stringify(trade(i))).join('\n');
    expect(lines.length).toBeGreaterThan(4096);
    expect(await post(lines)).toEqual({ status: 413, body: { code: 'MESSAGE_TOO_LARGE', error: 'The body exceeds 4096 bytes; split the batch' } });
    expect(received).toEqual([]);
  });

  it('refuses a body that streams past maxBodyBytes without declaring its length (chunked)', async () => {
    const response = await rawRequest(
      base,
      ['POST /ingest/trades HTTP/1.1', 'Host: x', `x-api-key: ${ingestKey}`, `content-type: ${NDJSON}`, 'transfer-encoding: chunked', '', ''].join('\r\n') +
        chunked('x'.repeat(3000)) +
        chunked('y'.repeat(3000)) +
        '0\r\n\r\n',
    );
    expect(response).toMatch(/^HTTP\/1\.1 413 /);
    expect(response).toContain('MESSAGE_TOO_LARGE');
    expect(received).toEqual([]);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['no content type', undefined],
    ['form data', 'application/x-www-form-urlencoded'],
  ])('refuses %s with 415', async (_name, contentType) => {
    const headers: Record<string, string> = { 'x-api-key': ingestKey };
    if (contentType !== undefined) headers['content-type'] = contentType;
    expect(await post(JSON.stringify(trade(1)), headers)).toEqual({
      status: 415,
      body: { code: 'UNSUPPORTED_MEDIA_TYPE', error: expect.stringContaining('application/x-ndjson') },
    });
  });

  it('answers 400 for a broken JSON array, a JSON object, an empty batch and non-UTF-8 bytes', async () => {
    const json = { 'content-type': 'application/json', 'x-api-key': ingestKey };
    expect(await post('[{"a":', json)).toMatchObject({ status: 400, body: { code: 'INVALID_JSON' } });
    expect(await post(JSON.stringify(trade(1)), json)).toMatchObject({ status: 400, body: { code: 'INVALID_PAYLOAD' } });
    expect(await post('\n\n')).toEqual({ status: 400, body: { code: 'INVALID_PAYLOAD', error: 'The batch is empty' } });
    expect(await post(new Uint8Array([0xff, 0xfe, 0x0a]))).toMatchObject({ status: 400, body: { code: 'INVALID_PAYLOAD' } });
  });

  it('answers 503 and accepts nothing when onTrades fails', async () => {
    failNext = true;
    expect(await post(JSON.stringify(trade(1)))).toEqual({ status: 503, body: { code: 'SERVICE_UNAVAILABLE', error: expect.stringContaining('retry') } });
    expect(route.stats()).toMatchObject({ accepted: 0, refused: { 503: 1 } });
  });

  it('tracks an unknown token on its first trade when auto-tracking is configured', async () => {
    if (listenSocket !== undefined) uWS.us_listen_socket_close(listenSocket);
    const tokens = new MemoryTokenRegistry();
    await serve({ autoTrack: { quoteToken: WRAPPED_SOL_MINT, decimals: 6 }, tokens });
    const { body } = await post(JSON.stringify(trade(1, { instrument: usdc.tokenAddress })));
    expect(body).toEqual({ accepted: 1, rejected: [] });
    expect(registry.findToken(usdc.tokenAddress)).toMatchObject({ decimals: 6 });
    await eventually(async () => (await tokens.get(usdc.tokenAddress))?.origin === 'auto', { timeoutMs: 1000, what: 'the token recorded' });
    await tokens.close();
  });

  it('serves several requests on one keep-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (socket) => sockets.add(socket));
    try {
      for (let i = 0; i < 3; i++) expect((await request(JSON.stringify(trade(i)), { 'content-type': NDJSON, 'x-api-key': ingestKey }, agent)).status).toBe(200);
    } finally {
      agent.destroy();
    }
    expect(received.flat()).toHaveLength(3);
    expect(sockets.size).toBe(1);
  });
});

function chunked(text: string): string {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}

/** Sends raw bytes and returns everything the server answers before it closes (or 2 s pass). */
function rawRequest(base: string, payload: string): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    let reply = '';
    const timer = setTimeout(() => socket.destroy(), 2000);
    socket.on('data', (chunk) => (reply += chunk.toString('utf8')));
    socket.on('error', (error) => (reply ? undefined : reject(error)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.write(payload);
  });
}

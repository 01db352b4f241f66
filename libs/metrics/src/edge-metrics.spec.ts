import type { Socket as ClientSocket } from 'socket.io-client';
import { eventually } from '@mdg/testing';
import { GatewayStack } from './testing/gateway-stack';
import type { Scrape } from './testing/scrape';

/** Resolves on connect; rejects with the connect_error. */
function connected(client: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
}

/** Resolves with the refusal code the client got; rejects if it connects. */
function refusal(client: ClientSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    client.once('connect', () => reject(new Error('expected a refusal, the client connected')));
    client.once('connect_error', (error: Error & { data?: { code?: string } }) => resolve(error.data?.code ?? error.message));
  });
}

function nextEvent<T>(client: ClientSocket, event: string): Promise<T> {
  return new Promise((resolve) => client.once(event, (value: T) => resolve(value)));
}

function request<T>(client: ClientSocket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve) => client.emit(event, payload, (answer: T) => resolve(answer)));
}

/** Polls the scrape until `check` holds on it (server-side effects land asynchronously). */
function scrapeUntil(stack: GatewayStack, check: (scrape: Scrape) => boolean, what: string, timeoutMs = 10_000): Promise<Scrape> {
  return eventually(
    async () => {
      const scrape = await stack.scrape();
      return check(scrape) ? scrape : undefined;
    },
    { what, timeoutMs, intervalMs: 20 },
  );
}

const SIO = { protocol: 'socketio' };
const RAW = { protocol: 'chart-live' };

describe('GatewayMetrics on a running edge: every edge metric moves when its event happens', () => {
  let stack: GatewayStack;
  afterEach(async () => {
    await stack.close();
  });

  describe('/api-ws (Socket.IO)', () => {
    it('connections, attempts, subscriptions, messages and bytes by event', async () => {
      stack = await GatewayStack.start();
      stack.publishPrice('BTC');
      const before = await stack.scrape();
      expect(before.value('mdg_connections', SIO)).toBe(0);

      const client = stack.connectPrices(await stack.createKey('user-1'));
      const initial = await nextEvent<unknown[]>(client, 'initial-prices');
      let scrape = await stack.scrape();
      expect(scrape.value('mdg_connections', SIO)).toBe(1);
      expect(scrape.value('mdg_connections_accepted_total', SIO)).toBe(1);
      expect(scrape.value('mdg_connection_attempts_total', SIO)).toBe(1);
      expect(scrape.value('mdg_subscriptions', SIO)).toBe(20);
      expect(scrape.value('mdg_socketio_engine_connections')).toBe(1);
      expect(scrape.value('mdg_messages_sent_total', { ...SIO, event: 'initial-prices' })).toBe(1);
      expect(scrape.value('mdg_sent_bytes_total', { ...SIO, event: 'initial-prices' })).toBe(
        Buffer.byteLength(`42/api-ws,${JSON.stringify(['initial-prices', initial])}`),
      );

      expect(await request(client, 'subscribe', { symbols: ['eth', 'btc'] })).toMatchObject({ ok: true });
      expect((await stack.scrape()).value('mdg_subscriptions', SIO)).toBe(2);

      const update = nextEvent<unknown>(client, 'price-update');
      stack.publishPrice('ETH', { price: 3000 });
      const received = await update;
      scrape = await stack.scrape();
      expect(scrape.value('mdg_messages_sent_total', { ...SIO, event: 'price-update' })).toBe(1);
      expect(scrape.value('mdg_sent_bytes_total', { ...SIO, event: 'price-update' })).toBe(
        Buffer.byteLength(`42/api-ws,${JSON.stringify(['price-update', received])}`),
      );
      // A WebSocket client's update went out through one app.publish, not a per-socket loop.
      expect(scrape.value('mdg_socketio_broadcasts_total', { path: 'fast' })).toBeGreaterThanOrEqual(1);
      expect(scrape.value('mdg_socketio_broadcasts_total', { path: 'slow' })).toBe(0);

      client.close();
      scrape = await scrapeUntil(stack, (s) => s.value('mdg_connections', SIO) === 0, 'the connection to go');
      expect(scrape.value('mdg_subscriptions', SIO)).toBe(0);
    });

    it('refusals by reason, each with its attempt counted', async () => {
      stack = await GatewayStack.start({ authLimiter: { maxFailures: 2 } });
      const pro = await stack.createKey('user-pro');
      const reasons: string[] = [];
      const kept = [stack.connectPrices(pro), stack.connectPrices(pro)];
      await Promise.all(kept.map(connected));
      reasons.push(await refusal(stack.connectPrices(pro))); // a third connection of the user
      reasons.push(await refusal(stack.connectPrices(await stack.createKey('user-free', 'free'))));
      stack.connections.failing = true;
      reasons.push(await refusal(stack.connectPrices(await stack.createKey('user-unlucky'))));
      stack.connections.failing = false;
      reasons.push(await refusal(stack.connectPrices(undefined))); // a missing key is not a guess: not counted
      reasons.push(await refusal(stack.connectPrices('ci_live_not-a-real-key')));
      reasons.push(await refusal(stack.connectPrices('ci_live_still-guessing')));
      reasons.push(await refusal(stack.connectPrices('ci_live_guessing-again'))); // the address is blocked now
      expect(reasons).toEqual(['CONNECTION_LIMIT', 'PRO_REQUIRED', 'SERVICE_UNAVAILABLE', 'AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED', 'AUTH_RATE_LIMITED']);

      const scrape = await stack.scrape();
      const refused = (reason: string): number => scrape.value('mdg_connections_refused_total', { ...SIO, reason });
      expect([
        refused('connection_limit'),
        refused('pro_required'),
        refused('service_unavailable'),
        refused('auth_failed'),
        refused('auth_rate_limited'),
      ]).toEqual([1, 1, 1, 3, 1]);
      expect(scrape.value('mdg_connections_accepted_total', SIO)).toBe(2);
      expect(scrape.value('mdg_connection_attempts_total', SIO)).toBe(9);
    });

    it('bad payloads, unknown symbols and rate-limited messages are client errors', async () => {
      stack = await GatewayStack.start({ socketio: { inboundMessagesPerSecond: 3, inboundStrikesToClose: 100 } });
      const client = stack.connectPrices(await stack.createKey('user-1'));
      await connected(client);
      expect(await request(client, 'subscribe', 'BTC')).toMatchObject({ ok: false, code: 'INVALID_PAYLOAD' });
      expect(await request(client, 'subscribe', { symbols: ['NOPE'] })).toMatchObject({ ok: false, code: 'UNKNOWN_SYMBOL' });
      expect(await request(client, 'unsubscribe', { symbols: ['BTC'] })).toMatchObject({ ok: true });
      expect(await request(client, 'unsubscribe', { symbols: ['ETH'] })).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
      const scrape = await stack.scrape();
      expect(scrape.value('mdg_client_errors_total', { ...SIO, reason: 'invalid_payload' })).toBe(1);
      expect(scrape.value('mdg_client_errors_total', { ...SIO, reason: 'unknown_symbol' })).toBe(1);
      expect(scrape.value('mdg_client_errors_total', { ...SIO, reason: 'rate_limited' })).toBe(1);
    });

    it('a revoked key is a server close; an envelope that is not a price update is dropped', async () => {
      stack = await GatewayStack.start();
      const apiKey = await stack.createKey('user-1');
      const client = stack.connectPrices(apiKey);
      await connected(client);
      const gone = nextEvent(client, 'disconnect');
      await stack.keyStore.revoke(apiKey);
      await gone;
      stack.publishPrice('BTC', { price: 'not a number' });
      const scrape = await scrapeUntil(stack, (s) => s.value('mdg_connections', SIO) === 0, 'the revoked connection to go');
      expect(scrape.value('mdg_server_closes_total', { ...SIO, reason: 'auth_failed' })).toBe(1);
      expect(scrape.value('mdg_dropped_envelopes_total', SIO)).toBe(1);
    });
  });

  describe('/ws/chart-live (raw WebSocket)', () => {
    it('connections, subscriptions, chart and control messages, client errors by reason', async () => {
      stack = await GatewayStack.start();
      const token = stack.token(0);
      const client = await stack.connectChart(await stack.createKey('user-1', 'free'));
      await client.next((m) => m.type === 'connected', 'the connected message');
      let scrape = await stack.scrape();
      expect(scrape.value('mdg_connections', RAW)).toBe(1);
      expect(scrape.value('mdg_connections_accepted_total', RAW)).toBe(1);
      expect(scrape.value('mdg_connection_attempts_total', RAW)).toBe(1);
      expect(scrape.value('mdg_messages_sent_total', { ...RAW, event: 'control' })).toBe(1);

      client.send({ tokenAddress: token.tokenAddress, timeframe: 60 });
      await client.next((m) => m.type === 'subscriptionConfirmed', 'the confirmation');
      stack.publishCandle(token, 60, 2);
      await client.next((m) => m.event === 'chart', 'a chart event');
      for (const bad of [
        'not json',
        { timeframe: 60 },
        { tokenAddress: token.tokenAddress, timeframe: 7 },
        { tokenAddress: 'So11111111111111111111111111111111111111112' },
      ])
        client.send(bad);
      await client.until(() => client.messages().filter((m) => m.type === 'error').length === 4, 'four errors');

      scrape = await stack.scrape();
      expect(scrape.value('mdg_subscriptions', RAW)).toBe(1);
      expect(scrape.value('mdg_hub_streams')).toBe(21); // 20 price streams for /api-ws + this candle stream
      const chartText = client.texts.find((text) => text.startsWith('{"event":"chart"'))!;
      expect(scrape.value('mdg_messages_sent_total', { ...RAW, event: 'chart' })).toBe(1);
      expect(scrape.value('mdg_sent_bytes_total', { ...RAW, event: 'chart' })).toBe(Buffer.byteLength(chartText));
      expect(scrape.value('mdg_messages_sent_total', { ...RAW, event: 'control' })).toBe(6);
      const controlBytes = client.texts.filter((text) => text !== chartText).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
      expect(scrape.value('mdg_sent_bytes_total', { ...RAW, event: 'control' })).toBe(controlBytes);
      for (const reason of ['invalid_json', 'missing_token', 'invalid_timeframe', 'token_not_tracked']) {
        expect(scrape.value('mdg_client_errors_total', { ...RAW, reason })).toBe(1);
      }
      expect(scrape.value('mdg_client_errors_total', { ...RAW, reason: 'rate_limited' })).toBe(0);
    });

    it('refusals by reason, and the closes that follow them', async () => {
      stack = await GatewayStack.start({ authLimiter: { maxFailures: 2 }, chartLive: { maxConnectionsPerPlan: { free: 1, pro: 1 } } });
      const key = await stack.createKey('user-1', 'free');
      const kept = await stack.connectChart(key);
      await kept.next((m) => m.type === 'connected', 'the connected message');
      const refusedWith = async (apiKey: string | undefined): Promise<[string | undefined, number]> => {
        const client = await stack.connectChart(apiKey);
        const error = await client.next((m) => m.type === 'error', 'the refusal');
        return [error.code, await client.closed];
      };
      const outcomes = [await refusedWith(key)];
      stack.connections.failing = true;
      outcomes.push(await refusedWith(await stack.createKey('user-2', 'free')));
      stack.connections.failing = false;
      // A missing key is refused before the failed-auth limiter; two wrong keys exhaust it (maxFailures 2).
      outcomes.push(
        await refusedWith(undefined),
        await refusedWith('ci_live_guess-1'),
        await refusedWith('ci_live_guess-2'),
        await refusedWith('ci_live_guess-3'),
      );
      expect(outcomes).toEqual([
        ['CONNECTION_LIMIT', 4429],
        ['SERVICE_UNAVAILABLE', 1013],
        ['AUTH_FAILED', 4401],
        ['AUTH_FAILED', 4401],
        ['AUTH_FAILED', 4401],
        ['AUTH_RATE_LIMITED', 4429], // limited, not unauthenticated: retry after a pause
      ]);
      const scrape = await stack.scrape();
      const refused = (reason: string): number => scrape.value('mdg_connections_refused_total', { ...RAW, reason });
      expect([refused('connection_limit'), refused('service_unavailable'), refused('auth_failed'), refused('auth_rate_limited')]).toEqual([1, 1, 3, 1]);
      expect(scrape.value('mdg_connection_attempts_total', RAW)).toBe(7);
      // A refusal is counted as a refusal, not as a server close (as on /api-ws): closes are of admitted connections.
      for (const reason of ['limit_exceeded', 'try_again_later', 'auth_failed']) expect(scrape.value('mdg_server_closes_total', { ...RAW, reason })).toBe(0);
      // Both endpoints share the session layer's refusal codes; the raw endpoint has no Pro requirement.
      expect(refused('pro_required')).toBe(0);
    });
  });

  describe('slow consumers', () => {
    it('/ws/chart-live: a client that stops reading is conflated, then resynced when it reads again', async () => {
      stack = await GatewayStack.start({
        chartLive: { softBackpressureBytes: 64 * 1024, hardBackpressureBytes: 256 * 1024 * 1024, slowConsumerTimeoutMs: 60_000, slowCheckIntervalMs: 20 },
      });
      const token = stack.token(0);
      const client = await stack.connectChart(await stack.createKey('user-1', 'free'));
      client.send({ tokenAddress: token.tokenAddress, timeframe: 1 });
      await client.next((m) => m.type === 'subscriptionConfirmed', 'the confirmation');

      client.pause();
      let close = 0;
      // The kernel buffers absorb an unknown amount first: publish until the endpoint sees the backlog.
      for (let round = 0; (await stack.scrape()).value('mdg_slow_clients', RAW) === 0; round += 1) {
        if (round > 2000) throw new Error('the paused client was never found slow');
        for (let index = 0; index < 200; index += 1) stack.publishCandle(token, 1, (close += 1));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      for (let index = 0; index < 50; index += 1) stack.publishCandle(token, 1, (close += 1)); // merged while it is slow
      client.resume();
      const last = close;
      await client.until(() => client.texts.at(-1)?.includes(`"close":${last},`) === true, 'the catch-up to the newest candle', 20_000);
      const scrape = await scrapeUntil(stack, (s) => s.value('mdg_slow_clients', RAW) === 0, 'the client to go live again');
      expect(scrape.value('mdg_slow_client_resyncs_total', RAW)).toBe(1);
      expect(scrape.value('mdg_conflated_updates_total', RAW)).toBeGreaterThanOrEqual(50);
      expect(scrape.value('mdg_slow_client_closes_total', RAW)).toBe(0);
    });

    it('/ws/chart-live: a client slow for longer than the timeout is closed with 4008', async () => {
      stack = await GatewayStack.start({
        chartLive: { softBackpressureBytes: 64 * 1024, hardBackpressureBytes: 256 * 1024 * 1024, slowConsumerTimeoutMs: 200, slowCheckIntervalMs: 20 },
      });
      const token = stack.token(0);
      const client = await stack.connectChart(await stack.createKey('user-1', 'free'));
      client.send({ tokenAddress: token.tokenAddress, timeframe: 1 });
      await client.next((m) => m.type === 'subscriptionConfirmed', 'the confirmation');
      client.pause();
      let close = 0;
      for (let round = 0; (await stack.scrape()).value('mdg_slow_client_closes_total', RAW) === 0; round += 1) {
        if (round > 2000) throw new Error('the paused client was never closed');
        for (let index = 0; index < 200; index += 1) stack.publishCandle(token, 1, (close += 1));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      client.resume();
      expect(await client.closed).toBe(4008);
      const scrape = await stack.scrape();
      expect(scrape.value('mdg_slow_client_closes_total', RAW)).toBe(1);
      expect(scrape.value('mdg_server_closes_total', { ...RAW, reason: 'slow_consumer' })).toBe(1);
    });

    it('/api-ws: a client whose backlog passes the hard limit is closed; the largest send buffer is reported', async () => {
      stack = await GatewayStack.start({ socketio: { maxBackpressureBytes: 4 * 1024 * 1024, hardBackpressureBytes: 256 * 1024, slowCheckIntervalMs: 20 } });
      const slow = await stack.connectRawPrices(await stack.createKey('user-1'));
      slow.pause();
      const padding = 'x'.repeat(10_000);
      let largestSeen = 0;
      for (let round = 0; ; round += 1) {
        const scrape = await stack.scrape();
        largestSeen = Math.max(largestSeen, scrape.value('mdg_send_buffer_largest_bytes', SIO));
        if (scrape.value('mdg_slow_client_closes_total', SIO) > 0) break;
        if (round > 2000) throw new Error('the stalled client was never closed');
        for (let index = 0; index < 20; index += 1) stack.publishPrice('BTC', { padding });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      slow.resume();
      await slow.closed;
      const scrape = await stack.scrape();
      expect(scrape.value('mdg_slow_client_closes_total', SIO)).toBe(1);
      expect(scrape.value('mdg_server_closes_total', { ...SIO, reason: 'slow_consumer' })).toBe(1);
      // The check that closed it saw the backlog first (the gauge is per check, so it may already be back to 0).
      expect(largestSeen).toBeGreaterThan(0);
    });
  });
});

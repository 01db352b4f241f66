import { AuthAttemptLimiter, hashApiKey, MemoryConnectionRegistry, MemoryKeyStore, MemoryLeaseTable, type ConnectionRegistry, type KeyStore } from '@mdg/auth';
import { ManualClock, PRICE_SYMBOLS } from '@mdg/model';
import { io } from 'socket.io-client';
import type { PriceUpdate } from './price-update';
import type { SymbolsAck } from './socket-io-price-gateway';
import { connected, GatewayHarness, httpGet, nextEvent, refused, request, UpdateLog } from './testing/gateway-harness';
import { eventually } from '@mdg/testing';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

describe('SocketIoPriceGateway (/api-ws on a real uWS app, real socket.io clients)', () => {
  let harness: GatewayHarness;

  afterEach(async () => {
    await harness.close();
  });

  describe('the PROTOCOL.md client', () => {
    it('the documented JS example receives initial-prices, then price-update', async () => {
      harness = await GatewayHarness.start({
        before: ({ publish }) => {
          publish('BTC', { price: 87250.5, volume: 12_500_000_000, timestamp: 1_775_001_600, change: 1250.3, changePercent: 1.45 });
          publish('ETH', { price: 3000 });
        },
      });
      const apiKey = await harness.createKey('user-1');
      const url = harness.url;

      // PROTOCOL.md section A, unchanged except the URL and the key.
      const socket = io(url + '/api-ws', { auth: { apiKey }, transports: ['websocket'] });
      harness.track(socket);

      const initial = await nextEvent<PriceUpdate[]>(socket, 'initial-prices');
      expect(initial).toEqual([
        { symbol: 'BTC', price: 87250.5, volume: 12_500_000_000, timestamp: 1_775_001_600, change: 1250.3, changePercent: 1.45, seq: 1 },
        { symbol: 'ETH', price: 3000, volume: 1_000_000, timestamp: 1_775_001_600, change: 1, changePercent: 1, seq: 1 },
      ]);
      const update = nextEvent<PriceUpdate>(socket, 'price-update');
      harness.publish('BTC', { price: 87300 });
      expect(await update).toEqual({ symbol: 'BTC', price: 87300, volume: 1_000_000, timestamp: 1_775_001_600, change: 1, changePercent: 1, seq: 2 });
      expect(harness.gateway.stats()).toMatchObject({ connections: 1, connectionsOpened: 1, updatesBroadcast: 1 });
    });

    it('initial-prices is an empty array before any price exists, and lists every priced symbol in documented order', async () => {
      harness = await GatewayHarness.start();
      const apiKey = await harness.createKey('user-1');
      const first = harness.connect(apiKey);
      expect(await nextEvent<PriceUpdate[]>(first, 'initial-prices')).toEqual([]);
      for (const symbol of [...PRICE_SYMBOLS].reverse()) harness.publish(symbol);
      const log = new UpdateLog(first);
      await log.until((updates) => updates.length === 20, 'all 20 symbols');
      first.close();
      const second = harness.connect(apiKey);
      const initial = await nextEvent<PriceUpdate[]>(second, 'initial-prices');
      expect(initial.map((update) => update.symbol)).toEqual([...PRICE_SYMBOLS]);
      expect(initial.every((update) => update.seq === 1)).toBe(true);
    });

    it('the stock client with default settings (long-polling, then upgrade) works', async () => {
      harness = await GatewayHarness.start({ before: ({ publish }) => publish('SOL', { price: 150 }) });
      const apiKey = await harness.createKey('user-1');
      const socket = harness.track(io(harness.url + '/api-ws', { auth: { apiKey }, reconnection: false }));
      let firstTransport = '';
      socket.io.once('open', () => (firstTransport = socket.io.engine.transport.name));
      const initialPrices = nextEvent<PriceUpdate[]>(socket, 'initial-prices');
      await connected(socket);
      expect(firstTransport).toBe('polling');
      expect((await initialPrices).map((update) => update.symbol)).toEqual(['SOL']);
      const log = new UpdateLog(socket);
      harness.publish('SOL', { price: 151 });
      await log.untilMarker('SOL', 151);

      if (socket.io.engine.transport.name !== 'websocket') await new Promise((resolve) => socket.io.engine.once('upgrade', resolve));
      const fastBefore = harness.gateway.stats().fastPathBroadcasts;
      harness.publish('SOL', { price: 152 });
      harness.publish('BTC', { price: 1 });
      await log.untilMarker('BTC', 1);
      expect(log.updates.map((update) => [update.symbol, update.seq])).toEqual([
        ['SOL', 2],
        ['SOL', 3],
        ['BTC', 1],
      ]);
      expect(harness.gateway.stats().fastPathBroadcasts).toBe(fastBefore + 2);
    });

    it('a long-polling-only client receives broadcasts through Engine.IO', async () => {
      harness = await GatewayHarness.start();
      const apiKey = await harness.createKey('user-1');
      const socket = harness.connect(apiKey, { transports: ['polling'] });
      await nextEvent(socket, 'initial-prices');
      const log = new UpdateLog(socket);
      harness.publish('DOGE', { price: 0.1 });
      harness.publish('DOGE', { price: 0.2 });
      await log.untilMarker('DOGE', 0.2);
      expect(log.updates.map((update) => update.seq)).toEqual([1, 2]);
      expect(socket.io.engine.transport.name).toBe('polling');
    });
  });

  describe('authentication refusals (exact messages, data.code)', () => {
    it.each([
      ['missing key', undefined],
      ['empty key', ''],
      ['malformed key', 'not-a-key'],
      ['non-string key', 12345],
      ['unknown well-formed key', 'ci_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ])('%s → Authentication failed / AUTH_FAILED', async (_name, apiKey) => {
      harness = await GatewayHarness.start();
      const refusal = await refused(harness.connect(apiKey));
      expect(refusal).toEqual({ message: 'Authentication failed', data: { code: 'AUTH_FAILED' } });
      expect(harness.gateway.stats().connectionsRefused.AUTH_FAILED).toBe(1);
      expect(harness.gateway.stats().connections).toBe(0);
    });

    it('revoked key → Authentication failed', async () => {
      harness = await GatewayHarness.start();
      const apiKey = await harness.createKey('user-1');
      await harness.keyStore.revoke(apiKey);
      expect(await refused(harness.connect(apiKey))).toEqual({ message: 'Authentication failed', data: { code: 'AUTH_FAILED' } });
    });

    it('free plan, or a lapsed Pro plan → Pro subscription required / PRO_REQUIRED', async () => {
      harness = await GatewayHarness.start();
      const free = await harness.createKey('free-user', 'free');
      const lapsed = await harness.createKey('lapsed-user', 'pro', false);
      expect(await refused(harness.connect(free))).toEqual({ message: 'Pro subscription required', data: { code: 'PRO_REQUIRED' } });
      expect(await refused(harness.connect(lapsed))).toEqual({ message: 'Pro subscription required', data: { code: 'PRO_REQUIRED' } });
      expect(harness.gateway.stats().connectionsRefused).toMatchObject({ PRO_REQUIRED: 2, AUTH_FAILED: 0 });
    });

    it('a third connection of a user → Connection limit exceeded; a disconnect frees the slot', async () => {
      harness = await GatewayHarness.start();
      const apiKey = await harness.createKey('user-1');
      const otherKeySameUser = await harness.createKey('user-1');
      const first = harness.connect(apiKey);
      const second = harness.connect(otherKeySameUser);
      await Promise.all([connected(first), connected(second)]);
      expect(await refused(harness.connect(apiKey))).toEqual({ message: 'Connection limit exceeded', data: { code: 'CONNECTION_LIMIT' } });
      expect(await harness.connections.count('user-1', 'api-ws')).toBe(2);

      // Another user is not affected.
      await connected(harness.connect(await harness.createKey('user-2')));

      first.close();
      await eventually(async () => (await harness.connections.count('user-1', 'api-ws')) === 1, { what: 'the slot to be released' });
      const third = harness.connect(apiKey);
      await connected(third);
      expect(await harness.connections.count('user-1', 'api-ws')).toBe(2);
      expect(harness.gateway.stats().connectionsRefused.CONNECTION_LIMIT).toBe(1);
    });

    it('the limit holds across gateway nodes sharing the registry state', async () => {
      const table = new MemoryLeaseTable();
      const keyStore = new MemoryKeyStore();
      harness = await GatewayHarness.start({ keyStore, connections: new MemoryConnectionRegistry({ table }) });
      const other = await GatewayHarness.start({ keyStore, connections: new MemoryConnectionRegistry({ table }) });
      try {
        const apiKey = await harness.createKey('user-1');
        await connected(harness.connect(apiKey));
        await connected(other.connect(apiKey));
        expect(await refused(harness.connect(apiKey))).toMatchObject({ data: { code: 'CONNECTION_LIMIT' } });
        expect(await refused(other.connect(apiKey))).toMatchObject({ data: { code: 'CONNECTION_LIMIT' } });
      } finally {
        await other.close();
      }
    });

    it('too many failed attempts from one address → Authentication failed / AUTH_RATE_LIMITED, before any key lookup', async () => {
      const clock = new ManualClock(1_000_000);
      harness = await GatewayHarness.start({ authLimiter: new AuthAttemptLimiter({ clock, maxFailures: 2, windowMs: 60_000 }) });
      const good = await harness.createKey('user-1');
      expect(await refused(harness.connect('ci_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).toMatchObject({ data: { code: 'AUTH_FAILED' } });
      expect(await refused(harness.connect('nonsense'))).toMatchObject({ data: { code: 'AUTH_FAILED' } });
      const limited = await refused(harness.connect(good));
      expect(limited.message).toBe('Authentication failed');
      expect(limited.data).toEqual({ code: 'AUTH_RATE_LIMITED', retryAfterMs: 30_000 });
      expect(harness.gateway.stats().connectionsRefused).toMatchObject({ AUTH_FAILED: 2, AUTH_RATE_LIMITED: 1 });
      clock.advance(30_000);
      await connected(harness.connect(good));
    });

    it('a failing key store or connection registry refuses cleanly (Service unavailable) and the gateway keeps serving', async () => {
      const errors: Error[] = [];
      const store = new MemoryKeyStore();
      const registry = new MemoryConnectionRegistry();
      let storeDown = false;
      let registryDown = false;
      const flakyStore: KeyStore = Object.assign(Object.create(store) as KeyStore, {
        verify: (apiKey: string) => (storeDown ? Promise.reject(new Error('ECONNREFUSED keys backend')) : store.verify(apiKey)),
      });
      const flakyRegistry: ConnectionRegistry = Object.assign(Object.create(registry) as ConnectionRegistry, {
        acquire: (userId: string, pool: string, limit: number) => (registryDown ? Promise.reject(new Error('registry timeout')) : registry.acquire(userId, pool, limit)),
      });
      harness = await GatewayHarness.start({ keyStore: flakyStore, connections: flakyRegistry, onError: (error) => errors.push(error) });
      const apiKey = await store.create({ userId: 'user-1', plan: 'pro' }).then((created) => created.apiKey);

      storeDown = true;
      expect(await refused(harness.connect(apiKey))).toEqual({ message: 'Service unavailable', data: { code: 'SERVICE_UNAVAILABLE' } });
      storeDown = false;
      registryDown = true;
      expect(await refused(harness.connect(apiKey))).toEqual({ message: 'Service unavailable', data: { code: 'SERVICE_UNAVAILABLE' } });
      registryDown = false;
      await connected(harness.connect(apiKey));

      expect(errors.map((error) => error.message)).toEqual([
        'key store lookup failed; connection refused: ECONNREFUSED keys backend',
        'connection registry failed; connection refused: registry timeout',
      ]);
      expect(harness.gateway.stats().connectionsRefused.SERVICE_UNAVAILABLE).toBe(2);
      // A store outage is not the client's fault: it does not count towards the auth rate limit.
      expect(harness.authLimiter.size).toBe(0);
    });

    it('a client that leaves while being authenticated keeps no connection slot', async () => {
      const store = new MemoryKeyStore();
      const gate = deferred();
      let verifying = 0;
      const slowStore: KeyStore = Object.assign(Object.create(store) as KeyStore, {
        verify: async (apiKey: string) => {
          verifying += 1;
          await gate.promise;
          return store.verify(apiKey);
        },
      });
      harness = await GatewayHarness.start({ keyStore: slowStore });
      const apiKey = (await store.create({ userId: 'user-1', plan: 'pro' })).apiKey;
      const leaving = harness.connect(apiKey);
      await eventually(() => verifying === 1, { what: 'the key lookup to start' });
      leaving.close();
      await eventually(() => harness.gateway.stats().engineConnections === 0, { what: 'the server to see the client gone' });
      gate.resolve();
      await eventually(async () => harness.gateway.stats().connectionsOpened === 0 && (await harness.connections.count('user-1', 'api-ws')) === 0 && verifying === 1, { what: 'no slot held' });
      // Both slots are free: two clients get in.
      await Promise.all([connected(harness.connect(apiKey)), connected(harness.connect(apiKey))]);
      expect(harness.gateway.stats()).toMatchObject({ connectionsOpened: 2, connections: 2, engineConnections: 2 });
    });

    it('close() during an admission waits for it, and the slot it took is released', async () => {
      const registry = new MemoryConnectionRegistry();
      const gate = deferred();
      let acquiring = 0;
      const slowRegistry: ConnectionRegistry = Object.assign(Object.create(registry) as ConnectionRegistry, {
        acquire: async (userId: string, pool: string, limit: number) => {
          acquiring += 1;
          await gate.promise;
          return registry.acquire(userId, pool, limit);
        },
      });
      harness = await GatewayHarness.start({ connections: slowRegistry });
      const apiKey = await harness.createKey('user-1');
      const client = harness.connect(apiKey);
      let everConnected = false;
      client.on('connect', () => (everConnected = true));
      await eventually(() => acquiring === 1, { what: 'the lease request to start' });
      let closed = false;
      const closing = harness.gateway.close().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(closed).toBe(false);
      gate.resolve();
      await closing;
      expect(await registry.count('user-1', 'api-ws')).toBe(0);
      expect(harness.gateway.stats()).toMatchObject({ connectionsOpened: 0, connections: 0, engineConnections: 0 });
      expect(everConnected).toBe(false);
    });

    it('the main namespace is refused: every socket goes through authentication', async () => {
      harness = await GatewayHarness.start();
      const root = harness.track(io(harness.url, { transports: ['websocket'], reconnection: false, forceNew: true }));
      expect(await refused(root)).toEqual({ message: 'Invalid namespace', data: undefined });
    });
  });

  describe('delivery rule', () => {
    async function connectedClient(): Promise<{ client: ReturnType<GatewayHarness['connect']>; log: UpdateLog }> {
      const client = harness.connect(await harness.createKey(`user-${Math.random().toString(36).slice(2)}`));
      const log = new UpdateLog(client);
      await nextEvent(client, 'initial-prices');
      return { client, log };
    }

    it('a new connection gets every symbol; the first subscribe narrows to exactly that set; unsubscribe removes', async () => {
      harness = await GatewayHarness.start();
      const { client, log } = await connectedClient();

      for (const symbol of PRICE_SYMBOLS) harness.publish(symbol, { price: 1 });
      await log.until((updates) => updates.length === 20, 'one update of every symbol');
      expect(new Set(log.symbols())).toEqual(new Set(PRICE_SYMBOLS));

      const subscribed = await request<SymbolsAck>(client, 'subscribe', { symbols: ['BTC', 'ETH'] });
      expect(subscribed).toEqual({ ok: true, symbols: ['BTC', 'ETH'] });
      log.clear();
      for (const symbol of PRICE_SYMBOLS) harness.publish(symbol, { price: 2 });
      harness.publish('ETH', { price: 99 });
      await log.untilMarker('ETH', 99);
      expect(log.symbols()).toEqual(['BTC', 'ETH', 'ETH']);

      expect(await request<SymbolsAck>(client, 'subscribe', { symbols: ['SOL'] })).toEqual({ ok: true, symbols: ['BTC', 'ETH', 'SOL'] });
      expect(await request<SymbolsAck>(client, 'unsubscribe', { symbols: ['ETH'] })).toEqual({ ok: true, symbols: ['BTC', 'SOL'] });
      log.clear();
      for (const symbol of PRICE_SYMBOLS) harness.publish(symbol, { price: 3 });
      harness.publish('SOL', { price: 99 });
      await log.untilMarker('SOL', 99);
      expect(log.symbols()).toEqual(['BTC', 'SOL', 'SOL']);

      // Unsubscribing everything leaves nothing; a later subscribe adds (no return to "all").
      expect(await request<SymbolsAck>(client, 'unsubscribe', { symbols: ['btc', 'sol'] })).toEqual({ ok: true, symbols: [] });
      expect(await request<SymbolsAck>(client, 'subscribe', { symbols: ['LINK'] })).toEqual({ ok: true, symbols: ['LINK'] });
      log.clear();
      for (const symbol of PRICE_SYMBOLS) harness.publish(symbol, { price: 4 });
      await log.untilMarker('LINK', 4);
      harness.publish('LINK', { price: 99 });
      await log.untilMarker('LINK', 99);
      expect(log.symbols()).toEqual(['LINK', 'LINK']);
    });

    it('unsubscribe before any subscribe removes from the full set', async () => {
      harness = await GatewayHarness.start();
      const { client, log } = await connectedClient();
      const answer = await request<SymbolsAck>(client, 'unsubscribe', { symbols: ['BTC'] });
      expect(answer).toEqual({ ok: true, symbols: PRICE_SYMBOLS.filter((symbol) => symbol !== 'BTC') });
      for (const symbol of PRICE_SYMBOLS) harness.publish(symbol);
      await log.until((updates) => updates.length === 19, '19 symbols');
      harness.publish('BTC');
      harness.publish('FIL', { price: 99 });
      await log.untilMarker('FIL', 99);
      expect(log.symbols()).not.toContain('BTC');
    });

    it('each connection has its own set', async () => {
      harness = await GatewayHarness.start();
      const a = await connectedClient();
      const b = await connectedClient();
      await request(a.client, 'subscribe', { symbols: ['BTC'] });
      await request(b.client, 'subscribe', { symbols: ['ETH'] });
      harness.publish('BTC', { price: 1 });
      harness.publish('ETH', { price: 2 });
      harness.publish('XRP', { price: 3 });
      harness.publish('BTC', { price: 99 });
      harness.publish('ETH', { price: 99 });
      await Promise.all([a.log.untilMarker('BTC', 99), b.log.untilMarker('ETH', 99)]);
      expect(a.log.symbols()).toEqual(['BTC', 'BTC']);
      expect(b.log.symbols()).toEqual(['ETH', 'ETH']);
    });

    it('symbols are case-insensitive on input, upper-case on output', async () => {
      harness = await GatewayHarness.start();
      const { client, log } = await connectedClient();
      expect(await request<SymbolsAck>(client, 'subscribe', { symbols: ['btc', ' Eth ', 'dOgE', 'BTC'] })).toEqual({ ok: true, symbols: ['BTC', 'ETH', 'DOGE'] });
      harness.publish('DOGE', { price: 0.5 });
      await log.untilMarker('DOGE', 0.5);
      expect(log.updates[0]).toMatchObject({ symbol: 'DOGE', seq: 1 });
    });

    it('an envelope whose payload is not a MarketUpdate is counted and never sent', async () => {
      harness = await GatewayHarness.start();
      const { log } = await connectedClient();
      const now = Date.now();
      harness.bus.publish({ stream: 'price:BTC', epoch: 1, seq: 1, payload: { symbol: 'BTC', price: 'lots' }, acceptedAt: now, publishedAt: now });
      harness.bus.publish({ stream: 'price:BTC', epoch: 1, seq: 2, payload: { symbol: 'ETH', price: 1, volume: 1, timestamp: 1, change: 0, changePercent: 0 }, acceptedAt: now, publishedAt: now });
      harness.publish('ETH', { price: 99 });
      await log.untilMarker('ETH', 99);
      expect(log.symbols()).toEqual(['ETH']);
      expect(harness.gateway.stats()).toMatchObject({ droppedEnvelopes: 2, updatesBroadcast: 1 });
    });

    it('seq is present and rises by 1 per update of each symbol', async () => {
      harness = await GatewayHarness.start({ before: ({ publish }) => [1, 2, 3].forEach(() => publish('BTC')) });
      const apiKey = await harness.createKey('user-1');
      const client = harness.connect(apiKey);
      const log = new UpdateLog(client);
      const initial = await nextEvent<PriceUpdate[]>(client, 'initial-prices');
      expect(initial).toEqual([expect.objectContaining({ symbol: 'BTC', seq: 3 })]);
      for (let round = 0; round < 5; round++) for (const symbol of ['BTC', 'ETH', 'ICP']) harness.publish(symbol, { price: round });
      await log.until((updates) => updates.length === 15, '15 updates');
      const bySymbol = (symbol: string): number[] => log.updates.filter((update) => update.symbol === symbol).map((update) => update.seq);
      expect(bySymbol('BTC')).toEqual([4, 5, 6, 7, 8]);
      expect(bySymbol('ETH')).toEqual([1, 2, 3, 4, 5]);
      expect(bySymbol('ICP')).toEqual([1, 2, 3, 4, 5]);
    });
  });

  describe('acks and bad payloads', () => {
    it('answers bad payloads with { ok: false, error }, counts them, and keeps serving', async () => {
      harness = await GatewayHarness.start({ gateway: { maxSymbolsPerMessage: 3, inboundMessagesPerSecond: 1000 } });
      const client = harness.connect(await harness.createKey('user-1'));
      const log = new UpdateLog(client);
      await nextEvent(client, 'initial-prices');

      const cases: Array<[unknown[], string]> = [
        [[], 'Invalid payload: expected an object { symbols: string[] }, got undefined'],
        [[null], 'Invalid payload: expected an object { symbols: string[] }, got null'],
        [['BTC'], 'Invalid payload: expected an object { symbols: string[] }, got string'],
        [[['BTC']], 'Invalid payload: expected an object { symbols: string[] }, got an array'],
        [[{}], 'Invalid payload: symbols must be an array of strings, got undefined'],
        [[{ symbols: 'BTC' }], 'Invalid payload: symbols must be an array of strings, got string'],
        [[{ symbols: ['BTC', 7] }], 'Invalid payload: symbols[1] must be a string, got number'],
        [[{ symbols: [] }], 'Invalid payload: symbols must not be empty'],
        [[{ symbols: ['BTC', 'ETH', 'SOL', 'XRP'] }], 'Invalid payload: at most 3 symbols per message, got 4'],
      ];
      for (const [args, error] of cases) {
        expect(await request<SymbolsAck>(client, 'subscribe', ...args)).toEqual({ ok: false, error, code: 'INVALID_PAYLOAD' });
        expect(await request<SymbolsAck>(client, 'unsubscribe', ...args)).toEqual({ ok: false, error, code: 'INVALID_PAYLOAD' });
      }
      // The same without an ack callback: nothing to answer, nothing breaks.
      client.emit('subscribe', { symbols: 42 });
      client.emit('subscribe');
      client.emit('unsubscribe', 'garbage', 'more');

      expect(await request<SymbolsAck>(client, 'subscribe', { symbols: ['BTC', 'XYZ'] })).toEqual({ ok: false, error: 'Unknown symbol: XYZ', code: 'UNKNOWN_SYMBOL' });
      expect(await request<SymbolsAck>(client, 'unsubscribe', { symbols: ['abc', 'Def'] })).toEqual({ ok: false, error: 'Unknown symbols: ABC, DEF', code: 'UNKNOWN_SYMBOL' });

      const stats = harness.gateway.stats();
      expect(stats.badPayloads).toBe(cases.length * 2 + 3);
      expect(stats.unknownSymbols).toBe(2);
      expect(stats.connections).toBe(1);

      // An unknown symbol changed nothing: still in "all" mode.
      harness.publish('ETH', { price: 5 });
      await log.untilMarker('ETH', 5);
      expect(await request<SymbolsAck>(client, 'subscribe', { symbols: ['SOL'] })).toEqual({ ok: true, symbols: ['SOL'] });
      log.clear();
      harness.publish('ETH', { price: 6 });
      harness.publish('SOL', { price: 6 });
      await log.untilMarker('SOL', 6);
      expect(log.symbols()).toEqual(['SOL']);
    });

    it('inbound floods are answered RATE_LIMITED, then closed', async () => {
      const clock = new ManualClock(5_000);
      harness = await GatewayHarness.start({ gateway: { clock, inboundMessagesPerSecond: 2, inboundStrikesToClose: 2 } });
      const client = harness.connect(await harness.createKey('user-1'));
      await nextEvent(client, 'initial-prices');
      const answers = await Promise.all([1, 2, 3].map(() => request<SymbolsAck>(client, 'subscribe', { symbols: ['BTC'] })));
      expect(answers.map((answer) => answer.ok)).toEqual([true, true, false]);
      expect(answers[2]).toEqual({ ok: false, error: 'Rate limit exceeded: at most 2 messages per second', code: 'RATE_LIMITED' });
      clock.advance(1000);
      const disconnected = nextEvent<string>(client, 'disconnect');
      for (let index = 0; index < 3; index++) client.emit('subscribe', { symbols: ['BTC'] });
      expect(await disconnected).toBe('io server disconnect');
      expect(harness.gateway.stats()).toMatchObject({ rateLimited: 2, connectionsClosed: { limit_exceeded: 1 }, connections: 0 });
    });
  });

  describe('disconnects', () => {
    it('disconnectKey closes the sockets of that key only, and frees their slots', async () => {
      harness = await GatewayHarness.start();
      const revokedKey = await harness.createKey('user-1');
      const sameUserOtherKey = await harness.createKey('user-1');
      const otherUser = await harness.createKey('user-2');
      const revoked = harness.connect(revokedKey);
      const kept = [harness.connect(sameUserOtherKey), harness.connect(otherUser)];
      await Promise.all([revoked, ...kept].map((client) => connected(client)));
      // Called directly (the key store's own revocation events do the same: see edge-session-changes.spec.ts).
      const disconnected = nextEvent<string>(revoked, 'disconnect');
      expect(harness.gateway.disconnectKey(hashApiKey(revokedKey))).toBe(1);
      expect(await disconnected).toBe('io server disconnect');
      expect(kept.every((client) => client.connected)).toBe(true);
      expect(harness.gateway.stats()).toMatchObject({ connections: 2, connectionsClosed: { auth_failed: 1 } });
      await eventually(async () => (await harness.connections.count('user-1', 'api-ws')) === 1, { what: 'the revoked slot to be released' });
      expect(harness.gateway.disconnectKey('0'.repeat(64))).toBe(0);
    });

    it('disconnectKey also stops an admission of that key still in flight', async () => {
      const registry = new MemoryConnectionRegistry();
      const gate = deferred();
      let acquiring = 0;
      const slowRegistry: ConnectionRegistry = Object.assign(Object.create(registry) as ConnectionRegistry, {
        acquire: async (userId: string, pool: string, limit: number) => {
          acquiring += 1;
          await gate.promise;
          return registry.acquire(userId, pool, limit);
        },
      });
      harness = await GatewayHarness.start({ connections: slowRegistry });
      const apiKey = await harness.createKey('user-1');
      const refusal = refused(harness.connect(apiKey));
      await eventually(() => acquiring === 1, { what: 'the key to be verified and a slot requested' });
      const record = await harness.keyStore.revoke(apiKey);
      expect(harness.gateway.disconnectKey(record!.keyHash)).toBe(0);
      gate.resolve();
      expect(await refusal).toEqual({ message: 'Authentication failed', data: { code: 'AUTH_FAILED' } });
      await eventually(async () => (await registry.count('user-1', 'api-ws')) === 0, { what: 'the slot to be released' });
      // Another key of the same user is not affected.
      await connected(harness.connect(await harness.createKey('user-1')));
    });

    it('a lost lease closes its socket with a reconnectable transport close', async () => {
      const clock = new ManualClock(0);
      const registry = new MemoryConnectionRegistry({ clock, leaseTtlMs: 1000, renewIntervalMs: 0 });
      harness = await GatewayHarness.start({ connections: registry });
      const client = harness.connect(await harness.createKey('user-1'));
      await connected(client);
      const disconnected = nextEvent<string>(client, 'disconnect');
      clock.advance(1001);
      registry.renewHeldLeases();
      expect(await disconnected).toBe('transport close');
      expect(harness.gateway.stats()).toMatchObject({ connectionsClosed: { try_again_later: 1 }, connections: 0 });
    });

    it('close() disconnects every client, releases the leases, detaches from the hub, and leaves the app serving', async () => {
      harness = await GatewayHarness.start();
      const apiKey = await harness.createKey('user-1');
      const clients = [harness.connect(apiKey), harness.connect(apiKey, { transports: ['polling'] })];
      await Promise.all(clients.map((client) => connected(client)));
      expect(harness.bus.subscribedStreamCount()).toBe(20);
      const reasons = Promise.all(clients.map((client) => nextEvent<string>(client, 'disconnect')));

      await harness.gateway.close();
      // Transport-level closes, which stock clients answer by reconnecting (not "io server disconnect").
      // A long-polling client caught between two polls is discarded: its next poll fails ("transport error").
      const [websocketReason, pollingReason] = await reasons;
      expect(websocketReason).toBe('transport close');
      expect(['transport close', 'transport error']).toContain(pollingReason);
      expect(await harness.connections.count('user-1', 'api-ws')).toBe(0);
      expect(harness.bus.subscribedStreamCount()).toBe(0);
      expect(harness.gateway.stats().connections).toBe(0);
      expect(await httpGet(`${harness.url}/ping`)).toEqual({ status: 200, body: 'pong' });
      // The routes stay on the app (uWS cannot remove them) but refuse new handshakes.
      expect((await httpGet(`${harness.url}/socket.io/?EIO=4&transport=polling`)).status).toBe(403);
      await harness.gateway.close();
    });
  });
});

import { ManualClock, PRICE_SYMBOLS } from '@mdg/model';
import { io } from 'socket.io-client';
import type { PriceUpdate } from '@mdg/protocol';
import type { SymbolsAck } from '@mdg/protocol';
import { connected, GatewayHarness, nextEvent, request, UpdateLog } from './testing/gateway-harness';

// Admission, refusals and disconnects: socket-io-sessions.spec.ts.
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
      expect(await request<SymbolsAck>(client, 'subscribe', { symbols: ['btc', ' Eth ', 'dOgE', 'BTC'] })).toEqual({
        ok: true,
        symbols: ['BTC', 'ETH', 'DOGE'],
      });
      harness.publish('DOGE', { price: 0.5 });
      await log.untilMarker('DOGE', 0.5);
      expect(log.updates[0]).toMatchObject({ symbol: 'DOGE', seq: 1 });
    });

    it('an envelope whose payload is not a MarketUpdate is counted and never sent', async () => {
      harness = await GatewayHarness.start();
      const { log } = await connectedClient();
      const now = Date.now();
      harness.bus.publish({ stream: 'price:BTC', epoch: 1, seq: 1, payload: { symbol: 'BTC', price: 'lots' }, acceptedAt: now, publishedAt: now });
      harness.bus.publish({
        stream: 'price:BTC',
        epoch: 1,
        seq: 2,
        payload: { symbol: 'ETH', price: 1, volume: 1, timestamp: 1, change: 0, changePercent: 0 },
        acceptedAt: now,
        publishedAt: now,
      });
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

      expect(await request<SymbolsAck>(client, 'subscribe', { symbols: ['BTC', 'XYZ'] })).toEqual({
        ok: false,
        error: 'Unknown symbol: XYZ',
        code: 'UNKNOWN_SYMBOL',
      });
      expect(await request<SymbolsAck>(client, 'unsubscribe', { symbols: ['abc', 'Def'] })).toEqual({
        ok: false,
        error: 'Unknown symbols: ABC, DEF',
        code: 'UNKNOWN_SYMBOL',
      });

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
});

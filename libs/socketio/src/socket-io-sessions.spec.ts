import { AuthAttemptLimiter, hashApiKey, MemoryConnectionRegistry, MemoryKeyStore, MemoryLeaseTable, type ConnectionRegistry, type KeyStore } from '@mdg/auth';
import { ManualClock } from '@mdg/model';
import { io } from 'socket.io-client';
import { connected, GatewayHarness, httpGet, nextEvent, refused } from './testing/gateway-harness';
import { eventually } from '@mdg/testing';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

describe('SocketIoPriceGateway: admission and disconnects (/api-ws on a real uWS app, real socket.io clients)', () => {
  let harness: GatewayHarness;

  afterEach(async () => {
    await harness.close();
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
        acquire: (userId: string, pool: string, limit: number) =>
          registryDown ? Promise.reject(new Error('registry timeout')) : registry.acquire(userId, pool, limit),
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
      await eventually(
        async () => harness.gateway.stats().connectionsOpened === 0 && (await harness.connections.count('user-1', 'api-ws')) === 0 && verifying === 1,
        { what: 'no slot held' },
      );
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

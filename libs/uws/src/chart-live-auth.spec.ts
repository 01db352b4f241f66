import { hashApiKey, type KeyVerdict } from '@mdg/auth';
import { ManualClock } from '@mdg/model';
import WebSocket from 'ws';
import { ChartLiveHarness } from './testing/chart-live-harness';
import { TestClient } from './testing/test-client';
import { eventually } from '@mdg/testing';

/** Reads the refusal: exactly one error message, then the close. */
async function expectRefused(client: TestClient, code: string, closeCode: number): Promise<{ message: string }> {
  const error = await client.nextJson();
  expect(error).toMatchObject({ type: 'error', code });
  const closed = await client.closed;
  expect(closed.code).toBe(closeCode);
  expect(client.texts).toHaveLength(1);
  return error;
}

describe('ChartLiveEndpoint: authentication and connection limits', () => {
  let harness: ChartLiveHarness;
  afterEach(async () => {
    await harness.close();
  });

  describe('with default options', () => {
    beforeEach(async () => {
      harness = await ChartLiveHarness.start();
    });

    it('refuses a missing, malformed, unknown or revoked key: Authentication failure, then close 4401', async () => {
      const revoked = await harness.createKey('pro', 'revoked-user');
      await harness.keyStore.revoke(revoked);
      const attempts: (string | undefined)[] = [undefined, 'not-a-key', 'ci_live_' + 'A'.repeat(32), revoked];
      for (const apiKey of attempts) {
        const client = await harness.connect(apiKey);
        const error = await expectRefused(client, 'AUTH_FAILED', 4401);
        expect(error.message.startsWith('Authentication failure')).toBe(true);
        // The key is never echoed back.
        if (apiKey !== undefined) expect(error.message).not.toContain(apiKey);
      }
      await expect((await harness.connect(undefined)).closed).resolves.toEqual({ code: 4401, reason: 'Authentication failure' });
      expect(harness.endpoint.stats()).toMatchObject({ connections: 0, connectionsRefused: { AUTH_FAILED: 5 } });
      expect(harness.errors).toEqual([]);
    });

    it('accepts the key from the apiKey query parameter (browsers cannot set headers)', async () => {
      const apiKey = await harness.createKey('free');
      const client = await harness.connect(undefined, `?apiKey=${encodeURIComponent(apiKey)}`);
      expect((await client.nextJson()).type).toBe('connected');
      client.send({ tokenAddress: harness.token(0).tokenAddress });
      expect((await client.nextJson()).type).toBe('subscriptionConfirmed');
      // The header wins over the query when both are given.
      const both = await TestClient.open(harness.url(`?apiKey=${apiKey}`), { 'x-api-key': 'ci_live_' + 'B'.repeat(32) });
      await expectRefused(both, 'AUTH_FAILED', 4401);
    });

    it('accepts free and pro plans alike (chart-live needs no Pro plan)', async () => {
      const free = await harness.connect(await harness.createKey('free'));
      const pro = await harness.connect(await harness.createKey('pro'));
      expect((await free.nextJson()).type).toBe('connected');
      expect((await pro.nextJson()).type).toBe('connected');
    });

    it('limits a user to 5 concurrent connections by default, counted by lease, freed on close', async () => {
      const apiKey = await harness.createKey('pro', 'busy-user');
      const clients = [];
      for (let i = 0; i < 5; i++) clients.push(await harness.connectReady(apiKey));
      const sixth = await harness.connect(apiKey);
      const error = await expectRefused(sixth, 'CONNECTION_LIMIT', 4429);
      expect(error.message).toBe('Connection limit exceeded: at most 5 concurrent chart-live connections per user');
      expect(await harness.connections.count('busy-user', 'chart-live')).toBe(5);

      await clients[0]!.close();
      await eventually(async () => (await harness.connections.count('busy-user', 'chart-live')) === 4, { what: 'the slot release' });
      const again = await harness.connectReady(apiKey);
      again.send({ type: 'ping' });
      expect((await again.nextJson()).type).toBe('pong');
      expect(harness.endpoint.stats()).toMatchObject({ connections: 5, connectionsRefused: { CONNECTION_LIMIT: 1 } });
    });

    it('disconnectKey closes every connection of the key with "API key revoked" and 4401, and frees everything', async () => {
      const apiKey = await harness.createKey('free', 'leaving-user');
      const other = await harness.connectReady(await harness.createKey('free', 'staying-user'));
      const victims = [await harness.connectReady(apiKey), await harness.connectReady(apiKey)];
      for (const victim of victims) {
        victim.send({ tokenAddress: harness.token(0).tokenAddress });
        await victim.nextJson();
      }
      expect(harness.bus.subscribedStreamCount()).toBe(1);

      expect(harness.endpoint.disconnectKey(hashApiKey(apiKey))).toBe(2);
      for (const victim of victims) {
        expect(await victim.nextJson()).toEqual({ type: 'error', message: 'Authentication failure: API key revoked', code: 'AUTH_FAILED' });
        expect((await victim.closed).code).toBe(4401);
      }
      await eventually(async () => (await harness.connections.count('leaving-user', 'chart-live')) === 0, { what: 'the slot releases' });
      expect(harness.bus.subscribedStreamCount()).toBe(0);
      other.send({ type: 'ping' });
      expect((await other.nextJson()).type).toBe('pong');
      expect(harness.endpoint.disconnectKey(hashApiKey(apiKey))).toBe(0);
    });

    it('disconnects the connections of a key revoked in the key store', async () => {
      const apiKey = await harness.createKey('pro', 'revoked-later');
      const client = await harness.connectReady(apiKey);
      await harness.keyStore.revoke(apiKey);
      expect((await client.nextJson()).message).toBe('Authentication failure: API key revoked');
      expect((await client.closed).code).toBe(4401);
      // And it cannot come back.
      await expectRefused(await harness.connect(apiKey), 'AUTH_FAILED', 4401);
    });

    it('answers a key store outage with SERVICE_UNAVAILABLE and close 1013 (try again later)', async () => {
      await harness.keyStore.close();
      const client = await harness.connect('ci_live_' + 'C'.repeat(32));
      const error = await expectRefused(client, 'SERVICE_UNAVAILABLE', 1013);
      expect(error.message).toBe('Service unavailable: the API key could not be checked; retry later');
      expect(harness.errors).toHaveLength(1);
      expect(harness.endpoint.stats().connectionsRefused.SERVICE_UNAVAILABLE).toBe(1);
      // Not counted as a failed guess.
      expect(harness.authLimiter.size).toBe(0);
    });

    it('releases the slot of an upgrade the client abandoned during authentication', async () => {
      const apiKey = await harness.createKey('free', 'impatient');
      const verify = harness.keyStore.verify.bind(harness.keyStore);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inVerify = new Promise<void>((resolve) => (entered = resolve));
      jest.spyOn(harness.keyStore, 'verify').mockImplementation(async (key: string): Promise<KeyVerdict> => {
        entered();
        await gate;
        return verify(key);
      });
      const socket = new WebSocket(harness.url(), { headers: { 'x-api-key': apiKey } });
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.once('error', () => undefined); // terminated before the handshake: expected
      await inVerify;
      socket.terminate();
      await closed;
      await new Promise((resolve) => setTimeout(resolve, 50)); // let uWS notice the abort
      release();
      await eventually(() => harness.endpoint.stats().pendingAdmissions === 0, { what: 'the upgrade to finish' });
      await eventually(async () => (await harness.connections.count('impatient', 'chart-live')) === 0, { what: 'the slot release' });
      expect(harness.endpoint.stats().connections).toBe(0);
      // The aborted response was never touched (uWS would have thrown).
      expect(harness.errors).toEqual([]);
    });

    it('refuses an admission that verified the key just before it was revoked', async () => {
      const apiKey = await harness.createKey('free', 'racing-user');
      const verify = harness.keyStore.verify.bind(harness.keyStore);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let verified!: () => void;
      const hasVerified = new Promise<void>((resolve) => (verified = resolve));
      jest.spyOn(harness.keyStore, 'verify').mockImplementation(async (key: string): Promise<KeyVerdict> => {
        const verdict = await verify(key); // still valid here
        verified();
        await gate;
        return verdict;
      });
      const connecting = harness.connect(apiKey);
      await hasVerified;
      await harness.keyStore.revoke(apiKey);
      release();
      const client = await connecting;
      const error = await expectRefused(client, 'AUTH_FAILED', 4401);
      expect(error.message).toBe('Authentication failure: API key revoked');
      await eventually(async () => (await harness.connections.count('racing-user', 'chart-live')) === 0, { what: 'the slot release' });
    });

    it('answers a connection registry outage with SERVICE_UNAVAILABLE and close 1013', async () => {
      const apiKey = await harness.createKey('free');
      jest.spyOn(harness.connections, 'acquire').mockRejectedValueOnce(new Error('registry down'));
      const client = await harness.connect(apiKey);
      const error = await expectRefused(client, 'SERVICE_UNAVAILABLE', 1013);
      expect(error.message).toBe('Service unavailable: the connection could not be registered; retry later');
      expect(harness.errors.map((reported) => reported.message)).toEqual(['connection registry failed; connection refused: registry down']);
      expect(harness.endpoint.stats().connectionsRefused.SERVICE_UNAVAILABLE).toBe(1);
    });

    it('close() ends every connection with 1001, answers later upgrades with 503, and releases everything', async () => {
      const apiKey = await harness.createKey('free', 'shutdown-user');
      const client = await harness.connectReady(apiKey);
      client.send({ tokenAddress: harness.token(0).tokenAddress });
      await client.nextJson();
      await harness.endpoint.close();
      expect(await client.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
      expect(await harness.connections.count('shutdown-user', 'chart-live')).toBe(0);
      expect(harness.bus.subscribedStreamCount()).toBe(0);
      await expect(TestClient.open(harness.url(), { 'x-api-key': apiKey })).rejects.toThrow('Unexpected server response: 503');
      await harness.endpoint.close(); // idempotent
    });
  });

  it('refuses an address after too many failed attempts, before any key lookup', async () => {
    harness = await ChartLiveHarness.start({ authLimiter: { maxFailures: 2, windowMs: 60_000 } });
    const valid = await harness.createKey('free');
    // A missing key is not a guess and is not counted.
    await expectRefused(await harness.connect(undefined), 'AUTH_FAILED', 4401);
    for (let i = 0; i < 2; i++) await expectRefused(await harness.connect('ci_live_' + 'D'.repeat(32)), 'AUTH_FAILED', 4401);
    const verify = jest.spyOn(harness.keyStore, 'verify');
    const blocked = await harness.connect(valid);
    // Limited, not unauthenticated: 4429 (retry after a pause), never 4401 (never retry with that key).
    const error = await expectRefused(blocked, 'AUTH_RATE_LIMITED', 4429);
    expect(error.message).toMatch(/^Too many failed authentication attempts from this address; retry in \d+ s$/);
    expect(verify).not.toHaveBeenCalled();
    expect(harness.endpoint.stats().connectionsRefused).toMatchObject({ AUTH_FAILED: 3, AUTH_RATE_LIMITED: 1 });
  });

  it('applies the per-plan connection limits', async () => {
    harness = await ChartLiveHarness.start({ options: { maxConnectionsPerPlan: { free: 1, pro: 2 } } });
    const free = await harness.createKey('free', 'free-user');
    const pro = await harness.createKey('pro', 'pro-user');
    await harness.connectReady(free);
    const error = await expectRefused(await harness.connect(free), 'CONNECTION_LIMIT', 4429);
    expect(error.message).toBe('Connection limit exceeded: at most 1 concurrent chart-live connection per user');
    await harness.connectReady(pro);
    await harness.connectReady(pro);
    await expectRefused(await harness.connect(pro), 'CONNECTION_LIMIT', 4429);
  });

  it('closes a connection whose slot lease was lost with 1013, so it may reconnect', async () => {
    const clock = new ManualClock(1_000_000);
    harness = await ChartLiveHarness.start({ connections: { clock, leaseTtlMs: 1000, renewIntervalMs: 0 } });
    const apiKey = await harness.createKey('free', 'stalled-node-user');
    const client = await harness.connectReady(apiKey);
    clock.advance(5000); // the lease expires unrenewed (a stalled event loop, an unreachable Redis)
    harness.connections.renewHeldLeases();
    expect(await client.closed).toEqual({ code: 1013, reason: 'Try again later' });
    const again = await harness.connectReady(apiKey);
    again.send({ type: 'ping' });
    expect((await again.nextJson()).type).toBe('pong');
  });
});

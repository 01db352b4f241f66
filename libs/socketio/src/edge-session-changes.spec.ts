import { AuthAttemptLimiter, MemoryConnectionRegistry, type ConnectionRegistry } from '@mdg/auth';
import { ManualClock } from '@mdg/model';
import { eventually } from '@mdg/testing';
import { connected, GatewayHarness, nextEvent, refused, UpdateLog } from './testing/gateway-harness';

describe('SocketIoPriceGateway: revocations, plan changes and rate-limited logins (edge session layer)', () => {
  let harness: GatewayHarness;
  afterEach(async () => {
    await harness.close();
  });

  it('follows revocations in the key store by itself: the key\'s sockets get "io server disconnect"', async () => {
    harness = await GatewayHarness.start();
    const apiKey = await harness.createKey('user-1');
    const client = harness.connect(apiKey);
    await connected(client);
    const reason = nextEvent<string>(client, 'disconnect');
    await harness.keyStore.revoke(apiKey);
    expect(await reason).toBe('io server disconnect');
    expect(harness.gateway.stats()).toMatchObject({ connections: 0, connectionsClosed: { auth_failed: 1 } });
  });

  it.each([
    ['a downgrade to free', { plan: 'free', planActive: true }],
    ['a deactivated Pro plan', { plan: 'pro', planActive: false }],
  ] as const)('cuts the streaming connections of a user after %s within 2 s, exactly as a revocation does', async (_name, change) => {
    harness = await GatewayHarness.start();
    const keys = [await harness.createKey('downgraded'), await harness.createKey('downgraded')];
    const clients = keys.map((apiKey) => harness.connect(apiKey));
    const bystander = harness.connect(await harness.createKey('still-pro'));
    await Promise.all([...clients, bystander].map((client) => connected(client)));
    const log = new UpdateLog(clients[0]!);
    harness.publish('BTC', { price: 1 });
    await log.untilMarker('BTC', 1);

    const reasons = clients.map((client) => nextEvent<string>(client, 'disconnect'));
    const started = Date.now();
    await harness.keyStore.setPlan('downgraded', change);
    expect(await Promise.all(reasons)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(Date.now() - started).toBeLessThan(2000);
    await eventually(async () => (await harness.connections.count('downgraded', 'api-ws')) === 0, { what: 'the slots to be released' });
    expect(harness.gateway.stats()).toMatchObject({ connections: 1, connectionsClosed: { auth_failed: 2 } });

    // Nothing streams to it any more, and a new attempt gets the documented refusal.
    expect(await refused(harness.connect(keys[0]))).toEqual({ message: 'Pro subscription required', data: { code: 'PRO_REQUIRED' } });
    const bystanderLog = new UpdateLog(bystander);
    harness.publish('BTC', { price: 2 });
    await bystanderLog.untilMarker('BTC', 2);
    expect(log.updates.map((update) => update.price)).toEqual([1]);
  });

  it('keeps a connection whose plan change still entitles it (Pro stays Pro)', async () => {
    harness = await GatewayHarness.start();
    const free = await harness.createKey('renewed', 'free');
    const pro = await harness.createKey('renewed');
    const client = harness.connect(pro);
    await connected(client);
    // The user's free key becomes Pro too: an event for each key, none takes the entitlement away.
    await harness.keyStore.setPlan('renewed', { plan: 'pro', planActive: true });
    await connected(harness.connect(free));
    expect(client.connected).toBe(true);
    expect(harness.gateway.stats()).toMatchObject({ connections: 2, connectionsClosed: { auth_failed: 0 } });
  });

  it('refuses an admission whose plan was downgraded while it was in flight, and releases its slot', async () => {
    const registry = new MemoryConnectionRegistry();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let acquiring = 0;
    const slowRegistry: ConnectionRegistry = Object.assign(Object.create(registry) as ConnectionRegistry, {
      acquire: async (userId: string, pool: string, limit: number) => {
        acquiring += 1;
        await gate;
        return registry.acquire(userId, pool, limit);
      },
    });
    harness = await GatewayHarness.start({ connections: slowRegistry });
    const apiKey = await harness.createKey('racer');
    const refusal = refused(harness.connect(apiKey));
    await eventually(() => acquiring === 1, { what: 'the key to be verified and a slot requested' });
    await harness.keyStore.setPlan('racer', { plan: 'free', planActive: true });
    release();
    expect(await refusal).toEqual({ message: 'Pro subscription required', data: { code: 'PRO_REQUIRED' } });
    await eventually(async () => (await registry.count('racer', 'api-ws')) === 0, { what: 'the slot to be released' });
  });

  it("refuses a login blocked only by its address's failed attempts with the rate-limit code, then admits it after the pause", async () => {
    const clock = new ManualClock(1_000_000);
    harness = await GatewayHarness.start({ authLimiter: new AuthAttemptLimiter({ clock, maxFailures: 2, windowMs: 60_000 }) });
    const good = await harness.createKey('neighbour');
    for (const guess of ['ci_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'ci_live_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB']) {
      expect(await refused(harness.connect(guess))).toMatchObject({ data: { code: 'AUTH_FAILED' } });
    }
    // The base message stays the documented one; the code says "limited", with when to retry.
    expect(await refused(harness.connect(good))).toEqual({ message: 'Authentication failed', data: { code: 'AUTH_RATE_LIMITED', retryAfterMs: 30_000 } });
    clock.advance(30_000);
    await connected(harness.connect(good));
  });
});

import { ManualClock } from '@mdg/model';
import { eventually } from '@mdg/testing';
import { ChartLiveHarness } from './testing/chart-live-harness';
import type { TestClient } from './testing/test-client';

/** PROTOCOL.md B: a live connection cut by the session layer gets its error, then the close code. */
async function expectCut(client: TestClient, message: string, closeCode: number, withinMs: number): Promise<void> {
  const started = Date.now();
  const error = await client.nextJson(withinMs);
  expect(error).toEqual({ type: 'error', message, code: 'AUTH_FAILED' });
  expect((await client.closed).code).toBe(closeCode);
  expect(Date.now() - started).toBeLessThan(withinMs);
}

describe('ChartLiveEndpoint: plan changes and rate-limited logins (edge session layer)', () => {
  let harness: ChartLiveHarness;
  afterEach(async () => {
    await harness.close();
  });

  it('cuts the live connections of a key whose plan is set inactive within 2 s, like a revocation (4401), and refuses it afterwards', async () => {
    harness = await ChartLiveHarness.start();
    const apiKey = await harness.createKey('pro', 'suspended-user');
    const bystander = await harness.connectReady(await harness.createKey('pro', 'paying-user'));
    const clients = [await harness.connectReady(apiKey), await harness.connectReady(apiKey)];
    clients[0]!.send({ tokenAddress: harness.token(0).tokenAddress });
    expect((await clients[0]!.nextJson()).type).toBe('subscriptionConfirmed');

    await harness.keyStore.setPlan('suspended-user', { plan: 'pro', planActive: false });
    for (const client of clients) await expectCut(client, 'Authentication failure: the plan of this API key is inactive', 4401, 2000);
    await eventually(async () => (await harness.connections.count('suspended-user', 'chart-live')) === 0, { what: 'the slots to be released' });
    expect(harness.bus.subscribedStreamCount()).toBe(0);
    expect(harness.endpoint.stats()).toMatchObject({ connections: 1, connectionsClosed: { auth_failed: 2 } });

    // A new connection is refused the same way until the plan is active again.
    const again = await harness.connect(apiKey);
    expect(await again.nextJson()).toMatchObject({ code: 'AUTH_FAILED', message: 'Authentication failure: the plan of this API key is inactive' });
    expect((await again.closed).code).toBe(4401);
    await harness.keyStore.setPlan('suspended-user', { plan: 'pro', planActive: true });
    await harness.connectReady(apiKey);

    bystander.send({ type: 'ping' });
    expect((await bystander.nextJson()).type).toBe('pong');
  });

  it('keeps a connection whose plan is downgraded to free: chart-live serves every active plan', async () => {
    harness = await ChartLiveHarness.start();
    const apiKey = await harness.createKey('pro', 'downgraded-user');
    const client = await harness.connectReady(apiKey);
    await harness.keyStore.setPlan('downgraded-user', { plan: 'free', planActive: true });
    client.send({ type: 'ping' });
    expect((await client.nextJson()).type).toBe('pong');
    expect(harness.endpoint.stats()).toMatchObject({ connections: 1, connectionsClosed: { auth_failed: 0 } });
  });

  it('refuses a connection admitted while its plan was being deactivated (the change landed during the admission)', async () => {
    harness = await ChartLiveHarness.start();
    const apiKey = await harness.createKey('free', 'racing-user');
    const acquire = harness.connections.acquire.bind(harness.connections);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let acquiring!: () => void;
    const inAcquire = new Promise<void>((resolve) => (acquiring = resolve));
    jest.spyOn(harness.connections, 'acquire').mockImplementation(async (userId, pool, limit) => {
      acquiring();
      await gate;
      return acquire(userId, pool, limit);
    });
    const connecting = harness.connect(apiKey);
    await inAcquire;
    await harness.keyStore.setPlan('racing-user', { plan: 'free', planActive: false });
    release();
    const client = await connecting;
    expect(await client.nextJson()).toMatchObject({ code: 'AUTH_FAILED', message: 'Authentication failure: the plan of this API key is inactive' });
    expect((await client.closed).code).toBe(4401);
    await eventually(async () => (await harness.connections.count('racing-user', 'chart-live')) === 0, { what: 'the slot release' });
  });

  it('closes a login refused only because its address is rate limited with 4429 (retry later), never 4401, and admits it once the window passes', async () => {
    const clock = new ManualClock(1_000_000);
    harness = await ChartLiveHarness.start({ authLimiter: { clock, maxFailures: 2, windowMs: 60_000 } });
    const valid = await harness.createKey('free', 'unlucky-neighbour');
    for (let i = 0; i < 2; i++) {
      const guess = await harness.connect('ci_live_' + String(i).repeat(32));
      expect((await guess.nextJson()).code).toBe('AUTH_FAILED');
      expect((await guess.closed).code).toBe(4401);
    }
    const limited = await harness.connect(valid);
    const error = await limited.nextJson();
    expect(error).toEqual({ type: 'error', code: 'AUTH_RATE_LIMITED', message: 'Too many failed authentication attempts from this address; retry in 30 s' });
    expect(await limited.closed).toEqual({ code: 4429, reason: 'Limit exceeded' });
    expect(harness.endpoint.stats().connectionsRefused).toMatchObject({ AUTH_FAILED: 2, AUTH_RATE_LIMITED: 1 });

    // Retrying after the pause the close code asked for works: the key was fine all along.
    clock.advance(30_000);
    await harness.connectReady(valid);
  });
});

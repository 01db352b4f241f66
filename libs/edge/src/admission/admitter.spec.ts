import { AuthAttemptLimiter, MemoryConnectionRegistry, MemoryKeyStore, type ConnectionRegistry, type KeyStore, type Plan } from '@mdg/auth';
import { ManualClock } from '@mdg/model';
import { eventually } from '@mdg/testing';
import { Admitter, type AdmissionTicket } from './admitter';
import type { AdmissionPolicy } from './admission-policy';
import type { SessionEnd } from './session-index';

const PRO_ONLY: AdmissionPolicy = { connectionPool: 'prices', requirePro: true, maxConnectionsPerPlan: { free: 2, pro: 2 } };
const ANY_PLAN: AdmissionPolicy = { connectionPool: 'charts', requirePro: false, maxConnectionsPerPlan: { free: 1, pro: 3 } };
const ADDRESS = '203.0.113.7';

/** Real in-memory ports (no stand-ins): the same key store, registry and limiter the endpoints use. */
class Setup {
  readonly keyStore = new MemoryKeyStore();
  readonly connections = new MemoryConnectionRegistry();
  readonly clock = new ManualClock(1_000_000);
  readonly authLimiter = new AuthAttemptLimiter({ clock: this.clock, maxFailures: 2, windowMs: 60_000 });
  readonly errors: Error[] = [];
  readonly admitter: Admitter;

  constructor(policy: AdmissionPolicy, ports: { keyStore?: KeyStore; connections?: ConnectionRegistry } = {}) {
    this.admitter = new Admitter({
      keyStore: ports.keyStore ?? this.keyStore,
      connections: ports.connections ?? this.connections,
      authLimiter: this.authLimiter,
      policy,
      onError: (error) => this.errors.push(error),
    });
    this.admitter.start();
  }

  async key(userId: string, plan: Plan = 'pro', planActive = true): Promise<string> {
    return (await this.keyStore.create({ userId, plan, planActive })).apiKey;
  }

  async ticket(apiKey: string): Promise<AdmissionTicket> {
    const admission = await this.admitter.admit(apiKey, ADDRESS);
    if (!admission.ok) throw new Error(`expected an admission, got ${JSON.stringify(admission.refusal)}`);
    return admission.ticket;
  }

  /** Admits and opens; returns the session and every end the session layer asked for. */
  async session(apiKey: string): Promise<{ session: ReturnType<Setup['open']>; ends: SessionEnd[] }> {
    const ends: SessionEnd[] = [];
    return { session: this.open(await this.ticket(apiKey), ends), ends };
  }

  open(ticket: AdmissionTicket, ends: SessionEnd[]) {
    const opened = this.admitter.open(ticket, (cause) => ends.push(cause));
    if (!opened.ok) throw new Error(`expected the session to open, got ${JSON.stringify(opened.refusal)}`);
    return opened.session;
  }

  async close(): Promise<void> {
    await this.admitter.close();
    await this.connections.close();
    await this.keyStore.close();
  }
}

describe('Admitter (the edge admission and session layer)', () => {
  let setup: Setup;
  afterEach(async () => {
    await setup.close();
  });

  it('refuses in order: missing key, blocked address, unknown key, plan, connection limit; counts each by code', async () => {
    setup = new Setup(PRO_ONLY);
    const free = await setup.key('free-user', 'free');
    const lapsed = await setup.key('lapsed-user', 'pro', false);
    const pro = await setup.key('pro-user');
    const refusal = async (apiKey: unknown) => {
      const admission = await setup.admitter.admit(apiKey, ADDRESS);
      return admission.ok ? 'admitted' : admission.refusal;
    };
    expect(await refusal(undefined)).toEqual({ code: 'AUTH_FAILED', cause: 'missing_key' });
    expect(await refusal('')).toEqual({ code: 'AUTH_FAILED', cause: 'missing_key' });
    expect(setup.authLimiter.size).toBe(0); // a missing key is not a guess
    expect(await refusal(free)).toEqual({ code: 'PRO_REQUIRED' });
    expect(await refusal(lapsed)).toEqual({ code: 'PRO_REQUIRED' });
    expect(setup.authLimiter.size).toBe(0); // a real key on the wrong plan is not a guess either
    await setup.session(pro);
    await setup.session(pro);
    expect(await refusal(pro)).toEqual({ code: 'CONNECTION_LIMIT', limit: 2 });
    expect(await refusal('not-a-key')).toEqual({ code: 'AUTH_FAILED', cause: 'invalid_key' });
    expect(await refusal('ci_live_' + 'Z'.repeat(32))).toEqual({ code: 'AUTH_FAILED', cause: 'invalid_key' });
    expect(await refusal(pro)).toEqual({ code: 'AUTH_RATE_LIMITED', retryAfterMs: 30_000 });
    setup.clock.advance(30_000);
    expect(await refusal(pro)).toEqual({ code: 'CONNECTION_LIMIT', limit: 2 });
    expect(setup.admitter.stats()).toEqual({
      connections: 2,
      pendingAdmissions: 0,
      connectionsOpened: 2,
      connectionsRefused: { AUTH_FAILED: 4, AUTH_RATE_LIMITED: 1, PRO_REQUIRED: 2, CONNECTION_LIMIT: 2, SERVICE_UNAVAILABLE: 0 },
      connectionsClosed: { auth_failed: 0, try_again_later: 0, limit_exceeded: 0, slow_consumer: 0, shutdown: 0 },
    });
  });

  it("uses the limit of the key's plan and refuses an inactive plan as an authentication failure where any plan is accepted", async () => {
    setup = new Setup(ANY_PLAN);
    const free = await setup.key('free-user', 'free');
    await setup.session(free);
    expect(await setup.admitter.admit(free, ADDRESS)).toEqual({ ok: false, refusal: { code: 'CONNECTION_LIMIT', limit: 1 } });
    const inactive = await setup.key('suspended', 'free', false);
    expect(await setup.admitter.admit(inactive, ADDRESS)).toEqual({ ok: false, refusal: { code: 'AUTH_FAILED', cause: 'plan_inactive' } });
  });

  it('reports a failing key store or registry and refuses with SERVICE_UNAVAILABLE, without counting a guess', async () => {
    const store = new MemoryKeyStore();
    const registry = new MemoryConnectionRegistry();
    let storeDown = true;
    const flakyStore: KeyStore = Object.assign(Object.create(store) as KeyStore, {
      verify: (key: string) => (storeDown ? Promise.reject(new Error('store down')) : store.verify(key)),
    });
    const flakyRegistry: ConnectionRegistry = Object.assign(Object.create(registry) as ConnectionRegistry, {
      acquire: () => Promise.reject(new Error('registry down')),
    });
    setup = new Setup(PRO_ONLY, { keyStore: flakyStore, connections: flakyRegistry });
    const apiKey = (await store.create({ userId: 'u', plan: 'pro' })).apiKey;
    expect(await setup.admitter.admit(apiKey, ADDRESS)).toEqual({ ok: false, refusal: { code: 'SERVICE_UNAVAILABLE', cause: 'key_store' } });
    storeDown = false;
    expect(await setup.admitter.admit(apiKey, ADDRESS)).toEqual({ ok: false, refusal: { code: 'SERVICE_UNAVAILABLE', cause: 'connection_registry' } });
    expect(setup.errors.map((error) => error.message)).toEqual([
      'key store lookup failed; connection refused: store down',
      'connection registry failed; connection refused: registry down',
    ]);
    expect(setup.authLimiter.size).toBe(0);
    await store.close();
    await registry.close();
  });

  it('ends the sessions of a revoked key, and only those; release frees the slot once', async () => {
    setup = new Setup(PRO_ONLY);
    const revoked = await setup.key('user-1');
    const sibling = await setup.key('user-1');
    const a = await setup.session(revoked);
    const b = await setup.session(sibling);
    await setup.keyStore.revoke(revoked);
    expect(a.ends).toEqual([{ kind: 'key_revoked' }]);
    expect(b.ends).toEqual([]);
    a.session.release();
    a.session.release();
    await eventually(async () => (await setup.connections.count('user-1', 'prices')) === 1, { what: 'one slot left' });
    expect(setup.admitter.stats().connections).toBe(1);
    expect(setup.admitter.disconnectKey('f'.repeat(64))).toBe(0); // an unknown key ends nothing
  });

  it('ends the sessions a plan change no longer entitles, with the refusal a new connection would get; keeps the others current', async () => {
    setup = new Setup(PRO_ONLY);
    const downgraded = await setup.key('downgraded');
    const deactivated = await setup.key('deactivated');
    const upgraded = await setup.key('upgraded');
    const sessions = { downgraded: await setup.session(downgraded), deactivated: await setup.session(deactivated), upgraded: await setup.session(upgraded) };
    await setup.keyStore.setPlan('downgraded', { plan: 'free', planActive: true });
    await setup.keyStore.setPlan('deactivated', { plan: 'pro', planActive: false });
    await setup.keyStore.setPlan('upgraded', { plan: 'pro', planActive: true }); // no change: no event
    expect(sessions.downgraded.ends).toEqual([{ kind: 'plan_changed', refusal: { code: 'PRO_REQUIRED' } }]);
    expect(sessions.deactivated.ends).toEqual([{ kind: 'plan_changed', refusal: { code: 'PRO_REQUIRED' } }]);
    expect(sessions.upgraded.ends).toEqual([]);
  });

  it('on an endpoint that accepts any plan, a downgrade keeps the session (with its new record) and a deactivation ends it', async () => {
    setup = new Setup(ANY_PLAN);
    const apiKey = await setup.key('bot-owner', 'pro');
    const { session, ends } = await setup.session(apiKey);
    await setup.keyStore.setPlan('bot-owner', { plan: 'free', planActive: true });
    expect(ends).toEqual([]);
    expect(session.record.plan).toBe('free');
    await setup.keyStore.setPlan('bot-owner', { plan: 'free', planActive: false });
    expect(ends).toEqual([{ kind: 'plan_changed', refusal: { code: 'AUTH_FAILED', cause: 'plan_inactive' } }]);
  });

  it('refuses to open an admission whose key was revoked or downgraded while it was in flight, and releases its slot', async () => {
    setup = new Setup(PRO_ONLY);
    const revoked = await setup.key('racer-1');
    const downgraded = await setup.key('racer-2');
    const tickets = [await setup.ticket(revoked), await setup.ticket(downgraded)];
    expect(setup.admitter.stats().pendingAdmissions).toBe(2);
    await setup.keyStore.revoke(revoked);
    await setup.keyStore.setPlan('racer-2', { plan: 'free', planActive: true });
    const [first, second] = tickets.map((ticket) => setup.admitter.open(ticket, () => undefined));
    expect(first).toEqual({ ok: false, refusal: { code: 'AUTH_FAILED', cause: 'key_revoked' } });
    expect(second).toEqual({ ok: false, refusal: { code: 'PRO_REQUIRED' } });
    await eventually(async () => (await setup.connections.count('racer-1', 'prices')) + (await setup.connections.count('racer-2', 'prices')) === 0, {
      what: 'both slots released',
    });
    expect(setup.admitter.stats()).toMatchObject({ pendingAdmissions: 0, connections: 0, connectionsOpened: 0 });
  });

  it('ends the session whose lease was lost', async () => {
    const clock = new ManualClock(0);
    const registry = new MemoryConnectionRegistry({ clock, leaseTtlMs: 1000, renewIntervalMs: 0 });
    setup = new Setup(PRO_ONLY, { connections: registry });
    const { ends } = await setup.session(await setup.key('stalled'));
    clock.advance(1001);
    registry.renewHeldLeases();
    expect(ends).toEqual([{ kind: 'lease_lost' }]);
    await registry.close();
  });

  it('abandon releases an admitted slot; close() waits for tickets in flight, releases what is still held and refuses afterwards', async () => {
    setup = new Setup(PRO_ONLY);
    const apiKey = await setup.key('user-1');
    setup.admitter.abandon(await setup.ticket(apiKey));
    await eventually(async () => (await setup.connections.count('user-1', 'prices')) === 0, { what: 'the abandoned slot released' });
    await setup.session(apiKey);
    const pending = await setup.ticket(apiKey);
    let closed = false;
    const closing = setup.admitter.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false); // a ticket is still out
    expect(setup.admitter.open(pending, () => undefined)).toEqual({ ok: false, refusal: { code: 'SERVICE_UNAVAILABLE', cause: 'shutting_down' } });
    await closing;
    expect(await setup.connections.count('user-1', 'prices')).toBe(0);
    expect(await setup.admitter.admit(apiKey, ADDRESS)).toEqual({ ok: false, refusal: { code: 'SERVICE_UNAVAILABLE', cause: 'shutting_down' } });
    expect(() => setup.admitter.open(pending, () => undefined)).toThrow('already opened or abandoned');
  });
});

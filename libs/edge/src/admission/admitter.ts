import {
  authenticateApiKey,
  type AccessVerdict,
  type ApiKeyRecord,
  type AuthAttemptLimiter,
  type ConnectionLease,
  type ConnectionRegistry,
  type KeyStore,
} from '@mdg/auth';
import { connectionLimit, entitlementRefusal, type AdmissionPolicy } from './admission-policy';
import { emptyCloseCounts, type EdgeConnectionStats, type ServerCloseReason } from './edge-connection-stats';
import { LeaseReleases, withContext } from './lease-releases';
import { emptyRefusalCounts, type Refusal } from './refusal';
import { SessionIndex, type AdmittedSession, type SessionEnd, type SessionEntry } from './session-index';

export interface AdmitterDeps {
  keyStore: KeyStore;
  connections: ConnectionRegistry;
  /** Failed logins per remote address; shared by every endpoint of a node (one budget per address). */
  authLimiter: AuthAttemptLimiter;
  policy: AdmissionPolicy;
  /** Background failures: key store or registry errors behind a refusal, failed slot releases. */
  onError: (error: Error) => void;
}

/**
 * An admission that passed every check and holds a slot, before its connection opens. The
 * adapter hands it back to `open` (the connection is up) or `abandon` (it never will be).
 */
export class AdmissionTicket {
  /** @internal set by the Admitter once opened or abandoned. */
  settled = false;

  constructor(
    readonly record: ApiKeyRecord,
    readonly lease: ConnectionLease,
  ) {}
}

export type Admission = { readonly ok: true; readonly ticket: AdmissionTicket } | { readonly ok: false; readonly refusal: Refusal };

export type Opened = { readonly ok: true; readonly session: AdmittedSession } | { readonly ok: false; readonly refusal: Refusal };

/** A key revoked while admissions were in flight, or its record after a plan change. */
type KeyChange = ApiKeyRecord | 'revoked';

/**
 * The one admission and session layer of the edge, shared by both protocol adapters.
 *
 * Admission, in this order: a key must be present; a blocked address is refused before any
 * lookup (guessing must not cost store reads); the key must verify (a failure counts against
 * the address); its plan must entitle it to the endpoint (not counted: the key is real); a
 * slot lease must be free under the plan's limit, cluster-wide. A failing store or registry
 * refuses with SERVICE_UNAVAILABLE and is reported, never thrown.
 *
 * After admission it keeps every live session indexed by key hash and lease id and ends
 * them (through the adapter's callback) when the key is revoked, when a plan change takes
 * the entitlement away, or when the lease is lost. Changes that land while an admission is
 * in flight are remembered until it opens, so no connection opens on a key revoked or
 * downgraded a moment before.
 */
export class Admitter {
  readonly policy: AdmissionPolicy;
  private readonly deps: AdmitterDeps;
  private readonly sessions = new SessionIndex();
  private readonly releases: LeaseReleases;
  private readonly changesDuringAdmission = new Map<string, KeyChange>();
  private readonly admitting = new Set<Promise<Admission>>();
  private readonly tickets = new Set<AdmissionTicket>();
  private idleWaiters: (() => void)[] = [];
  private readonly unsubscribers: (() => void)[] = [];
  private state: 'new' | 'started' | 'closed' = 'new';
  private closing: Promise<void> | undefined;
  private opened = 0;
  private readonly refused = emptyRefusalCounts();
  private readonly closed = emptyCloseCounts();

  constructor(deps: AdmitterDeps) {
    this.deps = deps;
    this.policy = deps.policy;
    this.releases = new LeaseReleases(deps.connections, deps.onError);
  }

  /** Starts following revocations, plan changes and lost leases. Once only. */
  start(): void {
    if (this.state !== 'new') throw new Error(`Admitter.start() called when ${this.state}; it may be called once`);
    this.state = 'started';
    const { keyStore, connections } = this.deps;
    this.unsubscribers.push(
      keyStore.onRevoked((record) => this.disconnectKey(record.keyHash)),
      keyStore.onPlanChanged((record) => this.onPlanChanged(record)),
      connections.onLeaseLost((lease) => this.sessions.ofLease(lease.leaseId)?.end({ kind: 'lease_lost' })),
    );
  }

  /** Decides one connection attempt. Never rejects: every failure is a refusal. */
  admit(apiKey: unknown, address: string): Promise<Admission> {
    const admission = this.decide(apiKey, address).then((outcome) => {
      if (outcome.ok) this.tickets.add(outcome.ticket);
      else this.refused[outcome.refusal.code] += 1;
      return outcome;
    });
    this.admitting.add(admission);
    void admission.finally(() => {
      this.admitting.delete(admission);
      this.checkIdle();
    });
    return admission;
  }

  /**
   * The admitted connection is open: index it, unless its key was revoked or lost its
   * entitlement while it was being admitted (then its slot is released and the refusal
   * returned). `end` is how the session layer closes it later.
   */
  open(ticket: AdmissionTicket, end: (cause: SessionEnd) => void): Opened {
    if (!this.settle(ticket)) throw new Error('Admitter.open: this ticket was already opened or abandoned');
    let record = ticket.record;
    const change = this.changesDuringAdmission.get(record.keyHash);
    let refusal: Refusal | undefined;
    if (change === 'revoked') refusal = { code: 'AUTH_FAILED', cause: 'key_revoked' };
    else if (change !== undefined) {
      refusal = entitlementRefusal(this.policy, change);
      record = change;
    }
    if (refusal === undefined && this.state === 'closed') refusal = { code: 'SERVICE_UNAVAILABLE', cause: 'shutting_down' };
    if (refusal !== undefined) {
      this.refused[refusal.code] += 1;
      this.releases.release(ticket.lease);
      this.checkIdle();
      return { ok: false, refusal };
    }
    const entry: SessionEntry = { record, lease: ticket.lease, end, released: false };
    this.sessions.add(entry);
    this.opened += 1;
    this.checkIdle();
    return {
      ok: true,
      session: {
        get record() {
          return entry.record;
        },
        lease: entry.lease,
        release: () => this.release(entry),
      },
    };
  }

  /** The admitted connection will never open (client gone, endpoint closing): its slot is released. */
  abandon(ticket: AdmissionTicket): void {
    if (!this.settle(ticket)) return;
    this.releases.release(ticket.lease);
    this.checkIdle();
  }

  /**
   * Ends every session of the key as a revocation does (and any admission of it in flight).
   * Called on the key store's revocation events; public for operators and tests. Returns how
   * many sessions were ended.
   */
  disconnectKey(keyHash: string): number {
    this.rememberChange(keyHash, 'revoked');
    const entries = this.sessions.ofKey(keyHash);
    for (const entry of entries) entry.end({ kind: 'key_revoked' });
    return entries.length;
  }

  /** Counts a close of an admitted connection decided by the server (metrics: by reason). */
  countServerClose(reason: ServerCloseReason): void {
    this.closed[reason] += 1;
  }

  stats(): EdgeConnectionStats {
    return {
      connections: this.sessions.size,
      pendingAdmissions: this.admitting.size + this.tickets.size,
      connectionsOpened: this.opened,
      connectionsRefused: { ...this.refused },
      connectionsClosed: { ...this.closed },
    };
  }

  /**
   * Stops following key and lease events and refuses new admissions; waits for admissions in
   * flight to be opened or abandoned, releases the slots of sessions still indexed (the adapter
   * is closing their connections), and waits until every release has settled. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    await new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
    for (const entry of this.sessions.all()) this.release(entry);
    await this.releases.settled();
  }

  private async decide(apiKey: unknown, address: string): Promise<Admission> {
    if (this.state === 'closed') return refuse({ code: 'SERVICE_UNAVAILABLE', cause: 'shutting_down' });
    // A missing key is a client bug, not a guess: refused without counting it or reading the store.
    if (apiKey === undefined || apiKey === null || apiKey === '') return refuse({ code: 'AUTH_FAILED', cause: 'missing_key' });
    const { authLimiter, keyStore, connections, onError } = this.deps;
    const retryAfterMs = authLimiter.retryAfterMs(address);
    if (retryAfterMs > 0) return refuse({ code: 'AUTH_RATE_LIMITED', retryAfterMs });
    let verdict: AccessVerdict;
    try {
      verdict = await authenticateApiKey(keyStore, apiKey, { requirePro: false });
    } catch (error) {
      onError(withContext('key store lookup failed; connection refused', error));
      return refuse({ code: 'SERVICE_UNAVAILABLE', cause: 'key_store' });
    }
    if (!verdict.ok) {
      authLimiter.recordFailure(address);
      return refuse({ code: 'AUTH_FAILED', cause: 'invalid_key' });
    }
    const { record } = verdict;
    const entitlement = entitlementRefusal(this.policy, record);
    if (entitlement !== undefined) return refuse(entitlement);
    const limit = connectionLimit(this.policy, record);
    let lease: ConnectionLease | undefined;
    try {
      lease = await connections.acquire(record.userId, this.policy.connectionPool, limit);
    } catch (error) {
      onError(withContext('connection registry failed; connection refused', error));
      return refuse({ code: 'SERVICE_UNAVAILABLE', cause: 'connection_registry' });
    }
    if (lease === undefined) return refuse({ code: 'CONNECTION_LIMIT', limit });
    if (this.isClosed()) {
      this.releases.release(lease);
      return refuse({ code: 'SERVICE_UNAVAILABLE', cause: 'shutting_down' });
    }
    return { ok: true, ticket: new AdmissionTicket(record, lease) };
  }

  private onPlanChanged(record: ApiKeyRecord): void {
    this.rememberChange(record.keyHash, record);
    const refusal = entitlementRefusal(this.policy, record);
    for (const entry of this.sessions.ofKey(record.keyHash)) {
      if (refusal === undefined) entry.record = record;
      else entry.end({ kind: 'plan_changed', refusal });
    }
  }

  /** Kept only while admissions are in flight: they are the ones that could open on stale news. */
  private rememberChange(keyHash: string, change: KeyChange): void {
    if (this.admitting.size + this.tickets.size === 0) return;
    // A revocation is final: a later plan event must not hide it.
    if (this.changesDuringAdmission.get(keyHash) === 'revoked') return;
    this.changesDuringAdmission.set(keyHash, change);
  }

  private release(entry: SessionEntry): void {
    if (entry.released) return;
    entry.released = true;
    this.sessions.delete(entry);
    this.releases.release(entry.lease);
  }

  /** A method, not a field read: close() may run while decide() awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private settle(ticket: AdmissionTicket): boolean {
    if (ticket.settled || !this.tickets.has(ticket)) return false;
    ticket.settled = true;
    this.tickets.delete(ticket);
    return true;
  }

  private checkIdle(): void {
    if (this.admitting.size + this.tickets.size > 0) return;
    this.changesDuringAdmission.clear();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function refuse(refusal: Refusal): Admission {
  return { ok: false, refusal };
}

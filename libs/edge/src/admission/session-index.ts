import type { ApiKeyRecord, ConnectionLease } from '@mdg/auth';
import type { Refusal } from './refusal';

/** Why the session layer ends an admitted connection; each adapter says it in its protocol. */
export type SessionEnd =
  /** The key was revoked (or disconnectKey was called): do not retry with it. */
  | { readonly kind: 'key_revoked' }
  /** The plan changed and no longer entitles the key to the endpoint; `refusal` is what a new connection would get. */
  | { readonly kind: 'plan_changed'; readonly refusal: Refusal }
  /** The connection's slot lease expired unrenewed: the slot may be someone else's now (reconnect). */
  | { readonly kind: 'lease_lost' };

/** One admitted connection as the session layer knows it. */
export interface AdmittedSession {
  /** The key's record, kept current on plan changes that do not end the session. */
  readonly record: ApiKeyRecord;
  readonly lease: ConnectionLease;
  /** Frees the slot and forgets the session (call it when the connection closes, whoever closed it). Idempotent. */
  release(): void;
}

/** What the index holds per session: the adapter's way to end it, and whether it was released. */
export interface SessionEntry {
  record: ApiKeyRecord;
  readonly lease: ConnectionLease;
  readonly end: (cause: SessionEnd) => void;
  released: boolean;
}

/** Live sessions by key hash (revocations, plan changes) and by lease id (lost leases). */
export class SessionIndex {
  private readonly byKey = new Map<string, Set<SessionEntry>>();
  private readonly byLease = new Map<string, SessionEntry>();

  get size(): number {
    return this.byLease.size;
  }

  add(entry: SessionEntry): void {
    const keyHash = entry.record.keyHash;
    let entries = this.byKey.get(keyHash);
    if (entries === undefined) {
      entries = new Set();
      this.byKey.set(keyHash, entries);
    }
    entries.add(entry);
    this.byLease.set(entry.lease.leaseId, entry);
  }

  delete(entry: SessionEntry): void {
    const keyHash = entry.record.keyHash;
    const entries = this.byKey.get(keyHash);
    entries?.delete(entry);
    if (entries?.size === 0) this.byKey.delete(keyHash);
    if (this.byLease.get(entry.lease.leaseId) === entry) this.byLease.delete(entry.lease.leaseId);
  }

  /** A copy: ending a session removes it from the index while the caller iterates. */
  ofKey(keyHash: string): SessionEntry[] {
    return [...(this.byKey.get(keyHash) ?? [])];
  }

  ofLease(leaseId: string): SessionEntry | undefined {
    return this.byLease.get(leaseId);
  }

  all(): SessionEntry[] {
    return [...this.byLease.values()];
  }
}

import { KeyStoreError, systemClock, type Clock } from '@mdg/model';
import { apiKeyMode, apiKeyPrefix, generateApiKey, hashApiKey, isWellFormedApiKey } from './api-key';
import { compareRecords, toRecord } from './key-file-format';
import type { ApiKeyRecord, CreatedKey, CreateKeyOptions, KeyStore, KeyVerdict, PlanChange } from './key-store';

/** Records by keyHash. */
export type KeyTable = ReadonlyMap<string, ApiKeyRecord>;

/** A pure change of the table: the value to return, and the next table when something changed. */
export interface KeyMutation<T> {
  result: T;
  next?: Map<string, ApiKeyRecord>;
}

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}$/;
const SCOPE = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/;
const MAX_SCOPES = 32;
const KEY_HASH = /^[0-9a-f]{64}$/;

/**
 * The logic shared by the in-process key stores: lookups on an in-memory table, mutations as
 * pure functions of the table, and change events computed by diffing each new table against
 * the previous one (so a reload from disk and a local write notify the same way).
 * Subclasses decide how a mutation is made durable (`transact`).
 */
export abstract class LocalKeyStore implements KeyStore {
  private table: KeyTable = new Map();
  private readonly revokedListeners = new Set<(record: ApiKeyRecord) => void>();
  private readonly planListeners = new Set<(record: ApiKeyRecord) => void>();
  private readonly errorListeners = new Set<(error: KeyStoreError) => void>();
  protected closed = false;

  protected constructor(protected readonly clock: Clock = systemClock) {}

  /** Applies `mutation` to the current durable state, makes the result durable, then adopts it. */
  protected abstract transact<T>(mutation: (table: KeyTable) => KeyMutation<T>): Promise<T>;

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a closed store rejects (the KeyStore contract) rather than throws
  async verify(apiKey: string): Promise<KeyVerdict> {
    this.assertOpen();
    if (!isWellFormedApiKey(apiKey)) return { ok: false, reason: 'AUTH_FAILED' };
    const record = this.table.get(hashApiKey(apiKey));
    if (record === undefined || record.revokedAt !== undefined) return { ok: false, reason: 'AUTH_FAILED' };
    return { ok: true, record };
  }

  async create(options: CreateKeyOptions): Promise<CreatedKey> {
    this.assertOpen();
    const { userId, plan, planActive = true, scopes, apiKey: givenKey } = options;
    if (typeof userId !== 'string' || !USER_ID.test(userId)) {
      throw new KeyStoreError('invalid-argument', 'userId must be 1-128 characters: letters, digits and . _ @ : + - (starting with a letter or digit)');
    }
    if (plan !== 'pro' && plan !== 'free') throw new KeyStoreError('invalid-argument', `plan must be 'pro' or 'free', got ${String(plan)}`);
    if (typeof planActive !== 'boolean') throw new KeyStoreError('invalid-argument', 'planActive must be a boolean');
    if (
      scopes !== undefined &&
      (!Array.isArray(scopes) || scopes.length > MAX_SCOPES || !scopes.every((scope) => typeof scope === 'string' && SCOPE.test(scope)))
    ) {
      throw new KeyStoreError('invalid-argument', `scopes must be at most ${MAX_SCOPES} names of letters, digits and : . _ -`);
    }
    let mode = options.mode ?? 'live';
    if (mode !== 'live' && mode !== 'test') throw new KeyStoreError('invalid-argument', `mode must be 'live' or 'test', got ${String(mode)}`);
    if (givenKey !== undefined) {
      const givenMode = isWellFormedApiKey(givenKey) ? apiKeyMode(givenKey) : undefined;
      if (givenMode === undefined) throw new KeyStoreError('invalid-argument', 'apiKey is not a well-formed ci_live_/ci_test_ key');
      if (options.mode !== undefined && options.mode !== givenMode)
        throw new KeyStoreError('invalid-argument', `apiKey is a ${givenMode} key but mode ${options.mode} was requested`);
      mode = givenMode;
    }
    return this.transact((table) => {
      const prefixes = new Set([...table.values()].map((record) => record.keyPrefix));
      let apiKey = givenKey;
      if (apiKey !== undefined) {
        if (table.has(hashApiKey(apiKey))) throw new KeyStoreError('conflict', `the key ${apiKeyPrefix(apiKey)}… is already stored`);
        if (prefixes.has(apiKeyPrefix(apiKey))) throw new KeyStoreError('conflict', `another key already has the prefix ${apiKeyPrefix(apiKey)}`);
      } else {
        // Regenerate on the (astronomically rare) prefix clash so prefixes identify keys unambiguously.
        for (let attempt = 0; apiKey === undefined && attempt < 16; attempt++) {
          const candidate = generateApiKey(mode);
          if (!prefixes.has(apiKeyPrefix(candidate)) && !table.has(hashApiKey(candidate))) apiKey = candidate;
        }
        if (apiKey === undefined) throw new KeyStoreError('conflict', 'could not generate a key with a unique prefix');
      }
      const record = toRecord({
        keyHash: hashApiKey(apiKey),
        keyPrefix: apiKeyPrefix(apiKey),
        userId,
        plan,
        planActive,
        mode,
        createdAt: this.clock.now(),
        ...(scopes !== undefined ? { scopes: [...new Set(scopes)] } : {}),
      });
      const next = new Map(table);
      next.set(record.keyHash, record);
      return { result: { apiKey, record }, next };
    });
  }

  async revoke(reference: string): Promise<ApiKeyRecord | undefined> {
    this.assertOpen();
    if (typeof reference !== 'string' || reference.trim() === '') throw new KeyStoreError('invalid-argument', 'revoke needs a key, a key prefix or a key hash');
    const ref = reference.trim();
    return this.transact((table) => {
      const record = findByReference(table, ref);
      if (record === undefined || record.revokedAt !== undefined) return { result: record };
      const revoked = toRecord({ ...record, revokedAt: this.clock.now() });
      const next = new Map(table);
      next.set(revoked.keyHash, revoked);
      return { result: revoked, next };
    });
  }

  async setPlan(userId: string, change: PlanChange): Promise<ApiKeyRecord[]> {
    this.assertOpen();
    if (change.plan !== 'pro' && change.plan !== 'free')
      throw new KeyStoreError('invalid-argument', `plan must be 'pro' or 'free', got ${String(change.plan)}`);
    if (typeof change.planActive !== 'boolean') throw new KeyStoreError('invalid-argument', 'planActive must be a boolean');
    return this.transact((table) => {
      const updated: ApiKeyRecord[] = [];
      const next = new Map(table);
      for (const record of table.values()) {
        if (record.userId !== userId || record.revokedAt !== undefined) continue;
        const changed = toRecord({ ...record, plan: change.plan, planActive: change.planActive });
        next.set(changed.keyHash, changed);
        updated.push(changed);
      }
      const anyDifferent = updated.some((record) => {
        const before = table.get(record.keyHash);
        return before?.plan !== record.plan || before.planActive !== record.planActive;
      });
      return anyDifferent ? { result: updated.sort(compareRecords), next } : { result: updated.sort(compareRecords) };
    });
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a closed store rejects (the KeyStore contract) rather than throws
  async list(): Promise<ApiKeyRecord[]> {
    this.assertOpen();
    return [...this.table.values()].sort(compareRecords);
  }

  onRevoked(listener: (record: ApiKeyRecord) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  onPlanChanged(listener: (record: ApiKeyRecord) => void): () => void {
    this.planListeners.add(listener);
    return () => this.planListeners.delete(listener);
  }

  onError(listener: (error: KeyStoreError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** The table every read is served from. */
  protected get current(): KeyTable {
    return this.table;
  }

  /** Adopts `next` and notifies revocations, removals (as revocations) and plan changes. */
  protected adopt(next: KeyTable): void {
    const previous = this.table;
    this.table = next;
    for (const [hash, before] of previous) {
      if (before.revokedAt !== undefined) continue;
      const after = next.get(hash);
      if (after === undefined) this.notify(this.revokedListeners, toRecord({ ...before, revokedAt: this.clock.now() }), 'onRevoked');
      else if (after.revokedAt !== undefined) this.notify(this.revokedListeners, after, 'onRevoked');
      else if (after.plan !== before.plan || after.planActive !== before.planActive) this.notify(this.planListeners, after, 'onPlanChanged');
    }
  }

  /** Reports a background failure to the onError listeners (or as a process warning when nobody listens). */
  protected reportError(error: KeyStoreError): void {
    if (this.errorListeners.size === 0) {
      process.emitWarning(error);
      return;
    }
    for (const listener of this.errorListeners) {
      try {
        listener(error);
      } catch (listenerError) {
        process.emitWarning(new KeyStoreError('listener', `an onError listener threw: ${String(listenerError)}`, { cause: listenerError }));
      }
    }
  }

  protected assertOpen(): void {
    if (this.closed) throw new KeyStoreError('closed', 'the key store is closed');
  }

  private notify(listeners: ReadonlySet<(record: ApiKeyRecord) => void>, record: ApiKeyRecord, kind: string): void {
    for (const listener of listeners) {
      try {
        listener(record);
      } catch (error) {
        this.reportError(new KeyStoreError('listener', `an ${kind} listener threw for ${record.keyPrefix}: ${String(error)}`, { cause: error }));
      }
    }
  }
}

/** Whole key → by hash; 64 hex → by hash; otherwise an exact key prefix (ambiguity is an error). */
function findByReference(table: KeyTable, reference: string): ApiKeyRecord | undefined {
  if (isWellFormedApiKey(reference)) return table.get(hashApiKey(reference));
  if (KEY_HASH.test(reference)) return table.get(reference);
  const matches = [...table.values()].filter((record) => record.keyPrefix === reference);
  if (matches.length > 1) throw new KeyStoreError('conflict', `the prefix ${reference} matches ${matches.length} keys; pass the whole key or its hash`);
  return matches[0];
}

import type { Redis } from 'ioredis';
import { hashApiKey, isWellFormedApiKey, MemoryKeyStore, type ApiKeyRecord, type KeyVerdict } from '@mdg/auth';
import { KeyStoreError, type Clock } from '@mdg/model';
import { RedisScript, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';
import { assertKeyPrefix } from './key-prefix';
import { decodeKeyRecord, encodeKeyRecord } from './key-record-codec';
import { COMMIT_KEYS_SCRIPT, LOAD_KEYS_SCRIPT } from './key-store-scripts';
import { redisKeys } from './redis-keys';
import { MAX_COMMIT_ATTEMPTS } from './max-commit-attempts';
import { RedisTableSync } from './redis-table-sync';

export interface RedisKeyStoreOptions {
  connection: RedisConnection;
  /** Start of every key name, e.g. `mdg:`: records at `<prefix>keys:<keyHash>`, events on `<prefix>keys:events`. */
  keyPrefix: string;
  /** Source of createdAt / revokedAt. Default: the system clock. */
  clock?: Clock;
  /**
   * How often the store checks the version counter and reloads when it moved without an
   * event reaching this node (a message lost with a dropped connection); 0 disables. Default 2000 ms.
   */
  reconcileIntervalMs?: number;
  /** A command without an answer within this time fails. Default 2000 ms. */
  commandTimeoutMs?: number;
  reconnect?: RedisReconnectOptions;
  /** Connection name prefix shown by CLIENT LIST (`<name>-cmd`, `<name>-sub`). Default `mdg-keys`. */
  name?: string;
}

/** The shapes LocalKeyStore (not exported by @mdg/auth) passes to transact(). */
type KeyTable = ReadonlyMap<string, ApiKeyRecord>;
interface KeyMutation<T> {
  result: T;
  next?: Map<string, ApiKeyRecord>;
}

interface LoadedKeys {
  version: number;
  table: Map<string, ApiKeyRecord>;
}

const loadScript = new RedisScript(LOAD_KEYS_SCRIPT);
const commitScript = new RedisScript(COMMIT_KEYS_SCRIPT);

/**
 * The key store shared by every node through Redis: one hash per key (`<prefix>keys:<hash>`),
 * an index set and a version counter. Each node keeps a full copy in memory (the inherited
 * MemoryKeyStore table: verification costs no round trip and keeps working through a Redis
 * outage), kept current by change events on `<prefix>keys:events`, a reload after every
 * reconnect, and a periodic version check.
 *
 * Writes (create, revoke, setPlan) load the stored keys, apply the same validated mutation as
 * the other stores, and commit with a compare-and-set on the version (retried from a fresh
 * load when another writer won). onRevoked / onPlanChanged fire on every node, for changes
 * made anywhere.
 *
 * If Redis comes back with an older version than this node has seen (restarted without
 * persistence, flushed), the node reports it through onError and writes its copy back instead
 * of treating every vanished key as revoked.
 *
 * Extends MemoryKeyStore only to reuse LocalKeyStore's validation, mutations and change
 * notifications, which @mdg/auth does not export directly.
 */
export class RedisKeyStore extends MemoryKeyStore {
  private readonly sync: RedisTableSync<KeyStoreError>;
  private readonly commands: Redis;
  private readonly versionKey: string;
  private readonly indexKey: string;
  /** Handed to the load script, which builds the record keys itself. */
  private readonly recordKeyPrefix: string;
  private readonly recordKey: (keyHash: string) => string;
  private readonly eventsChannel: string;
  /** The version this node's table reflects. */
  private appliedVersion = 0;

  constructor(options: RedisKeyStoreOptions) {
    super({ clock: options.clock });
    assertKeyPrefix(options.keyPrefix, 'RedisKeyStore');
    const keys = redisKeys(options.keyPrefix).apiKeys;
    this.versionKey = keys.version;
    this.indexKey = keys.index;
    this.recordKeyPrefix = keys.recordPrefix;
    this.recordKey = (keyHash) => keys.record(keyHash);
    this.eventsChannel = keys.events;
    this.sync = new RedisTableSync<KeyStoreError>({
      ownerName: 'RedisKeyStore',
      ...options, // connection, commandTimeoutMs, reconnect
      eventsChannel: this.eventsChannel,
      reconcileIntervalMs: options.reconcileIntervalMs ?? 2000,
      name: options.name ?? 'mdg-keys',
      createIoError: (detail, errorOptions) => new KeyStoreError('io', detail, errorOptions),
      owner: {
        isClosed: () => this.closed,
        reportError: (error) => this.reportError(error),
        resync: () => void this.sync.exclusive(() => this.reloadInBackground()),
        onEvent: (message) => this.onEvent(message),
        // The version counter is cheap to read: a full load only when it moved unnoticed.
        reconcile: () =>
          this.sync.scheduleCoalesced(async () => {
            const stored = Number((await this.commands.get(this.versionKey)) ?? '0');
            if (stored !== this.appliedVersion) await this.reload();
          }, 'checking the key store version failed'),
      },
    });
    this.commands = this.sync.commands;
  }

  /** A connected store holding every stored key, or ServiceUnavailableError after `connectTimeoutMs` (default 10000). */
  static async open(options: RedisKeyStoreOptions & { connectTimeoutMs?: number }): Promise<RedisKeyStore> {
    const store = new RedisKeyStore(options);
    await store.sync.connect(store, options.connectTimeoutMs ?? 10_000, 'the key store', () => store.reload());
    return store;
  }

  /** The version of the stored keys this node reflects, how many keys it holds, and connection errors seen. */
  stats(): { version: number; keys: number; connectionErrors: number } {
    return { version: this.appliedVersion, keys: this.current.size, connectionErrors: this.sync.connectionErrors };
  }

  override async verify(apiKey: string): Promise<KeyVerdict> {
    const verdict = await super.verify(apiKey);
    if (verdict.ok || !isWellFormedApiKey(apiKey)) return verdict;
    const keyHash = hashApiKey(apiKey);
    // Known here and revoked: final. Unknown here: it may have been created on another node a
    // moment ago, its event still on the way, so ask Redis before refusing.
    if (this.current.has(keyHash)) return verdict;
    await this.sync.exclusive(() => this.fetch([keyHash]));
    return super.verify(apiKey);
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    await super.close();
    await this.sync.close();
  }

  /** Loads, mutates and commits with a compare-and-set on the version; reloads and re-applies when another writer won. */
  protected override transact<T>(mutation: (table: KeyTable) => KeyMutation<T>): Promise<T> {
    return this.sync.exclusive(async () => {
      for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
        this.assertOpen();
        const loaded = await this.load();
        const base = this.baseFor(loaded);
        this.adopt(base);
        const { result, next } = mutation(base);
        const restoring = base !== loaded.table;
        if (next === undefined && !restoring) {
          this.appliedVersion = loaded.version;
          return result;
        }
        const target = next ?? base;
        const version = Math.max(loaded.version, this.appliedVersion) + 1;
        if (await this.commit(loaded, target, version)) {
          this.adopt(target);
          this.appliedVersion = version;
          return result;
        }
      }
      throw new KeyStoreError('locked', `gave up after ${MAX_COMMIT_ATTEMPTS} attempts: other writers kept changing the keys`);
    });
  }

  private onEvent(message: string): void {
    let event: { v?: unknown; h?: unknown };
    try {
      event = JSON.parse(message) as { v?: unknown; h?: unknown };
    } catch (error) {
      this.reportError(new KeyStoreError('corrupt', `an event on ${this.eventsChannel} is not JSON`, { cause: error }));
      return;
    }
    const version = event.v;
    const hashes = event.h;
    if (typeof version !== 'number' || !Array.isArray(hashes) || !hashes.every((hash) => typeof hash === 'string')) {
      this.reportError(new KeyStoreError('corrupt', `an event on ${this.eventsChannel} has no version or key hashes`));
      return;
    }
    void this.sync.exclusive(async () => {
      if (version <= this.appliedVersion) return;
      await this.sync.runInBackground(async () => {
        if (version === this.appliedVersion + 1) {
          await this.fetch(hashes);
          this.appliedVersion = version;
        } else {
          // Missed at least one event: only a full load is sure to be complete.
          await this.reload();
        }
      }, 'applying a key change event failed');
    });
  }

  private reloadInBackground(): Promise<void> {
    return this.sync.runInBackground(() => this.reload(), 'reloading the keys failed');
  }

  /** Replaces the table with the stored state (or restores Redis from this copy when Redis went back in time). */
  private async reload(): Promise<void> {
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const loaded = await this.load();
      const base = this.baseFor(loaded);
      if (base === loaded.table) {
        this.adopt(base);
        this.appliedVersion = loaded.version;
        return;
      }
      const version = this.appliedVersion + 1;
      if (await this.commit(loaded, base, version)) {
        this.adopt(base);
        this.appliedVersion = version;
        return;
      }
    }
    throw new KeyStoreError('locked', `gave up restoring the keys after ${MAX_COMMIT_ATTEMPTS} attempts`);
  }

  /**
   * The stored table, unless Redis reports an older version than this node has applied: then
   * Redis lost acknowledged writes, and the union of both (revocations win) is the best truth.
   */
  private baseFor(loaded: LoadedKeys): Map<string, ApiKeyRecord> {
    if (loaded.version >= this.appliedVersion) return loaded.table;
    this.reportError(
      new KeyStoreError(
        'corrupt',
        `Redis holds key store version ${loaded.version}, older than version ${this.appliedVersion} seen before (restarted without persistence or flushed?); writing this node's ${this.current.size} key(s) back`,
      ),
    );
    const merged = new Map(loaded.table);
    for (const [keyHash, record] of this.current) {
      const stored = merged.get(keyHash);
      if (stored === undefined || (record.revokedAt !== undefined && stored.revokedAt === undefined)) merged.set(keyHash, record);
    }
    return merged;
  }

  private async load(): Promise<LoadedKeys> {
    let reply: unknown;
    try {
      reply = await loadScript.run(this.commands, [this.versionKey, this.indexKey], [this.recordKeyPrefix]);
    } catch (error) {
      throw new KeyStoreError('io', `reading the keys from Redis failed: ${(error as Error).message}`, { cause: error });
    }
    const [versionText, ...entries] = reply as unknown[];
    const table = new Map<string, ApiKeyRecord>();
    for (let i = 0; i + 1 < entries.length; i += 2) {
      const keyHash = String(entries[i]);
      const fields = entries[i + 1] as string[];
      // An index entry whose hash is gone: removed by hand; the key no longer exists.
      if (fields.length === 0) continue;
      const record = this.decode(fields, keyHash);
      if (record !== undefined) table.set(keyHash, record);
    }
    return { version: Number(versionText), table: this.inCurrentOrder(table) };
  }

  /**
   * The same records in the order this node learned them, new ones after, oldest first
   * (SMEMBERS order is arbitrary): change notifications then come in a stable, creation-like order.
   */
  private inCurrentOrder(table: ReadonlyMap<string, ApiKeyRecord>): Map<string, ApiKeyRecord> {
    const ordered = new Map<string, ApiKeyRecord>();
    for (const keyHash of this.current.keys()) {
      const record = table.get(keyHash);
      if (record !== undefined) ordered.set(keyHash, record);
    }
    const added = [...table.values()].filter((record) => !ordered.has(record.keyHash));
    added.sort((a, b) => a.createdAt - b.createdAt || (a.keyPrefix < b.keyPrefix ? -1 : a.keyPrefix > b.keyPrefix ? 1 : 0));
    for (const record of added) ordered.set(record.keyHash, record);
    return ordered;
  }

  /** Refreshes the given keys from Redis into the table. */
  private async fetch(keyHashes: readonly string[]): Promise<void> {
    if (keyHashes.length === 0) return;
    const pipeline = this.commands.pipeline();
    for (const keyHash of keyHashes) pipeline.hgetall(this.recordKey(keyHash));
    let results: [Error | null, unknown][];
    try {
      results = (await pipeline.exec()) ?? [];
    } catch (error) {
      throw new KeyStoreError('io', `reading ${keyHashes.length} key(s) from Redis failed: ${(error as Error).message}`, { cause: error });
    }
    const next = new Map(this.current);
    results.forEach(([error, value], index) => {
      const keyHash = keyHashes[index]!;
      if (error) throw new KeyStoreError('io', `reading a key from Redis failed: ${error.message}`, { cause: error });
      const fields = Object.entries((value ?? {}) as Record<string, string>).flat();
      if (fields.length === 0) {
        next.delete(keyHash);
        return;
      }
      const record = this.decode(fields, keyHash);
      if (record !== undefined) next.set(keyHash, record);
    });
    this.adopt(next);
  }

  /** Writes the records of `target` that differ from `loaded`, if the version is still `loaded.version`. */
  private async commit(loaded: LoadedKeys, target: KeyTable, version: number): Promise<boolean> {
    const changed = [...target.values()].filter((record) => {
      const before = loaded.table.get(record.keyHash);
      return before === undefined || JSON.stringify(encodeKeyRecord(before)) !== JSON.stringify(encodeKeyRecord(record));
    });
    const keys = [this.versionKey, this.indexKey, ...changed.map((record) => this.recordKey(record.keyHash))];
    const event = JSON.stringify({ v: version, h: changed.map((record) => record.keyHash) });
    const args: (string | number)[] = [loaded.version, version, this.eventsChannel, event];
    for (const record of changed) args.push(record.keyHash, JSON.stringify(encodeKeyRecord(record)));
    try {
      return (await commitScript.run(this.commands, keys, args)) === 1;
    } catch (error) {
      throw new KeyStoreError('io', `writing ${changed.length} key(s) to Redis failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private decode(fields: readonly string[], keyHash: string): ApiKeyRecord | undefined {
    try {
      const record = decodeKeyRecord(fields, this.recordKey(keyHash));
      if (record.keyHash !== keyHash) throw new KeyStoreError('corrupt', `${this.recordKey(keyHash)} holds the record of another key`);
      return record;
    } catch (error) {
      // A bad record is skipped (that key does not verify), the others stay usable.
      this.reportError(error instanceof KeyStoreError ? error : new KeyStoreError('corrupt', String(error), { cause: error }));
      return undefined;
    }
  }
}

import type { Redis } from 'ioredis';
import { TokenStoreError, type Clock } from '@mdg/model';
import { decodeRegisteredToken, encodeRegisteredToken, LocalTokenRegistry, type RegisteredToken, type TokenMutation, type TokenTable } from '@mdg/tokens';
import { RedisScript, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';
import { assertKeyPrefix } from './key-prefix';
import { redisKeys } from './redis-keys';
import { MAX_COMMIT_ATTEMPTS } from './max-commit-attempts';
import { RedisTableSync } from './redis-table-sync';
import { COMMIT_TOKENS_SCRIPT } from './token-registry-scripts';

export interface RedisTokenRegistryOptions {
  connection: RedisConnection;
  /** Start of every key name, e.g. `mdg:`: registrations in the hash `<prefix>tokens`, events on `<prefix>tokens:events`. */
  keyPrefix: string;
  /** Source of registeredAt. Default: the system clock. */
  clock?: Clock;
  /** How often the whole list is re-read, catching an event lost with a dropped connection; 0 disables. Default 5000 ms. */
  reconcileIntervalMs?: number;
  /** A command without an answer within this time fails. Default 2000 ms. */
  commandTimeoutMs?: number;
  reconnect?: RedisReconnectOptions;
  /** Connection name prefix shown by CLIENT LIST (`<name>-cmd`, `<name>-sub`). Default `mdg-tokens`. */
  name?: string;
}

interface Loaded {
  table: Map<string, RegisteredToken>;
  /** The stored text per address, the expected values of a compare-and-set. */
  raw: Map<string, string>;
}

const commitScript = new RedisScript(COMMIT_TOKENS_SCRIPT);

/**
 * The token registration list shared by every node through Redis: one hash, one change
 * channel. Each node holds the whole list in memory (reads need no round trip and keep working
 * through an outage), refreshed on every change event, after each reconnect and every
 * `reconcileIntervalMs`; onAdded / onRemoved fire on every node for changes made anywhere, so
 * trackRegisteredTokens registers a new token cluster-wide within a round trip.
 * Writes are compare-and-set commits (retried from a fresh read when another node won).
 */
export class RedisTokenRegistry extends LocalTokenRegistry {
  private readonly sync: RedisTableSync<TokenStoreError>;
  private readonly commands: Redis;
  private readonly hashKey: string;
  private readonly eventsChannel: string;
  /** Stored text per address as last loaded (for compare-and-set). */
  private raw = new Map<string, string>();
  /** Corrupt entries already reported (address + text): each is reported once, not on every reload. */
  private readonly reportedCorrupt = new Set<string>();

  constructor(options: RedisTokenRegistryOptions) {
    super(options.clock);
    assertKeyPrefix(options.keyPrefix, 'RedisTokenRegistry');
    const keys = redisKeys(options.keyPrefix).tokens;
    this.hashKey = keys.registry;
    this.eventsChannel = keys.events;
    // Token lists are small: every trigger (reconnect, event, timer) simply re-reads the whole hash.
    const scheduleReload = (): void => this.scheduleReload();
    this.sync = new RedisTableSync<TokenStoreError>({
      ownerName: 'RedisTokenRegistry',
      ...options, // connection, commandTimeoutMs, reconnect
      eventsChannel: this.eventsChannel,
      reconcileIntervalMs: options.reconcileIntervalMs ?? 5000,
      name: options.name ?? 'mdg-tokens',
      createIoError: (detail, errorOptions) => new TokenStoreError('io', detail, errorOptions),
      owner: {
        isClosed: () => this.closed,
        reportError: (error) => this.reportError(error),
        resync: scheduleReload,
        onEvent: scheduleReload,
        reconcile: scheduleReload,
      },
    });
    this.commands = this.sync.commands;
  }

  /** A connected store holding every registration, or ServiceUnavailableError after `connectTimeoutMs` (default 10000). */
  static async open(options: RedisTokenRegistryOptions & { connectTimeoutMs?: number }): Promise<RedisTokenRegistry> {
    const store = new RedisTokenRegistry(options);
    await store.sync.connect(store, options.connectTimeoutMs ?? 10_000, 'the token store', async () => store.adoptLoaded(await store.load()));
    return store;
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    await super.close();
    await this.sync.close();
    await this.sync.drain();
  }

  protected transact<T>(mutation: (table: TokenTable) => TokenMutation<T>): Promise<T> {
    return this.sync.exclusive(async () => {
      for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
        this.assertOpen();
        const loaded = await this.load();
        this.adoptLoaded(loaded);
        const { result, next } = mutation(loaded.table);
        if (next === undefined) return result;
        const raw = await this.commit(loaded, next);
        if (raw !== undefined) {
          this.adoptLoaded({ table: new Map(next), raw });
          return result;
        }
      }
      throw new TokenStoreError('locked', `gave up after ${MAX_COMMIT_ATTEMPTS} attempts: other writers kept changing the tokens`);
    });
  }

  /** One reload at a time, and at most one waiting: a burst of events costs one read. */
  private scheduleReload(): void {
    this.sync.scheduleCoalesced(async () => this.adoptLoaded(await this.load()), 'reloading the tokens failed');
  }

  private adoptLoaded(loaded: Loaded): void {
    this.raw = loaded.raw;
    this.adopt(loaded.table);
  }

  private async load(): Promise<Loaded> {
    let fields: Record<string, string>;
    try {
      fields = await this.commands.hgetall(this.hashKey);
    } catch (error) {
      throw new TokenStoreError('io', `reading ${this.hashKey} failed: ${(error as Error).message}`, { cause: error });
    }
    const table = new Map<string, RegisteredToken>();
    const raw = new Map<string, string>();
    for (const [address, text] of Object.entries(fields)) {
      raw.set(address, text);
      try {
        const token = decodeRegisteredToken(JSON.parse(text), `${this.hashKey} field ${address}`);
        if (token.tokenAddress !== address)
          throw new TokenStoreError('corrupt', `${this.hashKey} field ${address} holds the registration of ${token.tokenAddress}`);
        table.set(address, token);
      } catch (error) {
        // A bad entry is skipped (that token is not tracked), the others stay usable.
        if (this.reportedCorrupt.has(`${address}\n${text}`)) continue;
        this.reportedCorrupt.add(`${address}\n${text}`);
        this.reportError(
          error instanceof TokenStoreError ? error : new TokenStoreError('corrupt', `${this.hashKey} field ${address} is not JSON`, { cause: error }),
        );
      }
    }
    return { table, raw };
  }

  /**
   * Writes the fields that differ between `loaded` and `next`, if they are still as loaded.
   * Returns the stored texts after the write, or undefined when another writer changed them first.
   */
  private async commit(loaded: Loaded, next: TokenTable): Promise<Map<string, string> | undefined> {
    const args: string[] = [];
    const changed: string[] = [];
    const raw = new Map(loaded.raw);
    for (const address of new Set([...loaded.table.keys(), ...next.keys()])) {
      const after = next.get(address);
      const before = loaded.table.get(address);
      if (before === after) continue;
      const text = after === undefined ? '' : JSON.stringify(encodeRegisteredToken(after));
      changed.push(address);
      args.push(address, loaded.raw.get(address) ?? '', text);
      if (after === undefined) raw.delete(address);
      else raw.set(address, text);
    }
    if (changed.length === 0) return raw;
    const event = JSON.stringify({ tokens: changed });
    try {
      return (await commitScript.run(this.commands, [this.hashKey], [this.eventsChannel, event, ...args])) === 1 ? raw : undefined;
    } catch (error) {
      throw new TokenStoreError('io', `writing ${changed.length} token(s) to ${this.hashKey} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

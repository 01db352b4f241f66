import type { Redis } from 'ioredis';
import { InvalidConfigError } from '@mdg/model';
import { closeRedisClient, createRedisClient, waitUntilReady, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';

/** How the owning store plugs in: its error type, its lifecycle and its reactions to Redis. */
export interface RedisTableSyncOwner<E extends Error> {
  isClosed(): boolean;
  reportError(error: E): void;
  /** Both connections are usable again after a drop: events may have been missed, catch up. */
  resync(): void;
  /** A message arrived on the events channel. */
  onEvent(message: string): void;
  /** The periodic check for changes whose event was lost. */
  reconcile(): void;
}

export interface RedisTableSyncOptions<E extends Error> {
  /** The owning class, prefixed to configuration problems, e.g. `RedisKeyStore`. */
  ownerName: string;
  connection: RedisConnection;
  /** Where the owner's change events are published. */
  eventsChannel: string;
  /** Period of `owner.reconcile()`; 0 disables. */
  reconcileIntervalMs: number;
  /** A command without an answer within this time fails. Default 2000 ms. */
  commandTimeoutMs?: number;
  reconnect?: RedisReconnectOptions;
  /** Connection name prefix shown by CLIENT LIST (`<name>-cmd`, `<name>-sub`). */
  name: string;
  /** Builds the owner's `io` error, so callers keep seeing KeyStoreError, TokenStoreError, ... */
  createIoError: (detail: string, options: { cause: unknown }) => E;
  owner: RedisTableSyncOwner<E>;
}

/**
 * The Redis plumbing of a table that every node keeps in memory and syncs through Redis: a
 * command connection and a subscriber on the events channel, a catch-up after every reconnect,
 * a reconcile timer, one serial queue for every change of the table, and background failures
 * reported once per outage. Composed into the stores rather than inherited, because each store
 * already extends its own in-memory base class.
 */
export class RedisTableSync<E extends Error> {
  readonly commands: Redis;
  readonly subscriber: Redis;
  readonly eventsChannel: string;
  private readonly owner: RedisTableSyncOwner<E>;
  private readonly createIoError: (detail: string, options: { cause: unknown }) => E;
  private readonly reconcileTimer: NodeJS.Timeout | undefined;
  /** Every change of the table runs through this chain, so a slow load never overwrites a newer change. */
  private queue: Promise<unknown> = Promise.resolve();
  private coalescedQueued = false;
  /** The subscriber listens to the events channel (reset when its connection drops). */
  private subscribed = false;
  /** Background failures are reported once per outage, not once per attempt. */
  private failing = false;
  private errorCount = 0;

  /** @throws InvalidConfigError for a negative reconcile interval or a non-positive command timeout. */
  constructor(options: RedisTableSyncOptions<E>) {
    const { reconcileIntervalMs, commandTimeoutMs = 2000 } = options;
    const problems: string[] = [];
    if (!Number.isInteger(reconcileIntervalMs) || reconcileIntervalMs < 0)
      problems.push(`reconcileIntervalMs must be a non-negative integer, got ${reconcileIntervalMs}`);
    if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 1) problems.push(`commandTimeoutMs must be a positive integer, got ${commandTimeoutMs}`);
    if (problems.length > 0) throw new InvalidConfigError(problems.map((problem) => `${options.ownerName}: ${problem}`));
    this.owner = options.owner;
    this.createIoError = options.createIoError;
    this.eventsChannel = options.eventsChannel;

    this.commands = createRedisClient(options.connection, `${options.name}-cmd`, options.reconnect, {
      commandTimeout: commandTimeoutMs,
      autoResendUnfulfilledCommands: false,
    });
    this.subscriber = createRedisClient(options.connection, `${options.name}-sub`, options.reconnect, {
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
    });
    // Every failed reconnection attempt emits an error; what matters (reads and reloads that
    // fail) is reported through the owner, once per outage.
    for (const client of [this.commands, this.subscriber]) {
      client.on('error', () => {
        this.errorCount += 1;
      });
    }
    this.subscriber.on('ready', () => void this.onSubscriberReady());
    this.subscriber.on('close', () => {
      this.subscribed = false;
    });
    // Events may have been missed while a connection was down: catch up once both are usable
    // again (after subscribing, so that nothing falls between the reload and the first event).
    this.commands.on('ready', () => {
      if (this.subscribed) this.owner.resync();
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.eventsChannel) this.owner.onEvent(message);
    });
    if (reconcileIntervalMs > 0) {
      this.reconcileTimer = setInterval(() => this.owner.reconcile(), reconcileIntervalMs);
      this.reconcileTimer.unref();
    }
  }

  /** Connection errors seen (each failed reconnection attempt counts). */
  get connectionErrors(): number {
    return this.errorCount;
  }

  /** Resolves when both connections are ready; ServiceUnavailableError after `timeoutMs`. `what` names the store, e.g. `the key store`. */
  async waitUntilReady(timeoutMs: number, what: string): Promise<void> {
    await Promise.all([waitUntilReady(this.commands, timeoutMs, what), waitUntilReady(this.subscriber, timeoutMs, `${what} subscriber`)]);
  }

  /**
   * Opening sequence of a store: waits for both connections (ServiceUnavailableError after
   * `timeoutMs`), then runs the initial `load` in the queue; on failure closes `store` (which
   * closes this) and rethrows, so a failed open leaves no connection behind.
   */
  async connect(store: { close(): Promise<void> }, timeoutMs: number, what: string, load: () => Promise<void>): Promise<void> {
    try {
      await this.waitUntilReady(timeoutMs, what);
      await this.exclusive(load);
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** Runs `task` after every earlier task, whether they failed or not. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Runs `task` unless the owner is closed; a success ends the current outage, a failure is
   * reported (`<failure>: <message>`) once per outage. Never rejects. Call inside exclusive().
   */
  async runInBackground(task: () => Promise<void>, failure: string): Promise<void> {
    if (this.owner.isClosed()) return;
    try {
      await task();
      this.failing = false;
    } catch (error) {
      this.reportBackground(`${failure}: ${(error as Error).message}`, error);
    }
  }

  /** One such task at a time, and at most one waiting: a burst of triggers costs one run. */
  scheduleCoalesced(task: () => Promise<void>, failure: string): void {
    if (this.coalescedQueued || this.owner.isClosed()) return;
    this.coalescedQueued = true;
    void this.exclusive(async () => {
      this.coalescedQueued = false;
      await this.runInBackground(task, failure);
    });
  }

  /** Resolves once every queued task has settled. */
  async drain(): Promise<void> {
    await this.queue;
  }

  /** Stops the reconcile timer and closes both connections. Call after the owner is marked closed. */
  async close(): Promise<void> {
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    await Promise.all([closeRedisClient(this.commands), closeRedisClient(this.subscriber)]);
  }

  private async onSubscriberReady(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.eventsChannel);
    } catch (error) {
      if (this.owner.isClosed() || this.subscriber.status !== 'ready') return;
      this.reportBackground(`subscribing to ${this.eventsChannel} failed: ${(error as Error).message}`, error);
      this.subscriber.disconnect(true);
      return;
    }
    this.subscribed = true;
    if (this.commands.status === 'ready') this.owner.resync();
  }

  private reportBackground(detail: string, cause: unknown): void {
    if (this.owner.isClosed() || this.failing) return;
    this.failing = true;
    this.owner.reportError(this.createIoError(detail, { cause }));
  }
}

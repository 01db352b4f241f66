import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Feed, FeedHandlers, FeedState, FeedStats } from '@mdg/feeds';
import { IngestValidator, isTradeRefusal, RecentTradeKeys, tradeKey, type AutoTrackPolicy } from '@mdg/ingest';
import { InvalidConfigError, InvalidFeedInputError, ServiceUnavailableError, systemClock, type Clock, type InstrumentRegistry, type Trade } from '@mdg/model';
import type { TokenRegistry } from '@mdg/tokens';
import { closeRedisClient, createRedisClient, reconnectDelay, type RedisConnection, type RedisReconnectOptions } from './create-redis-client';
import { INGEST_TRADE_FIELD } from './ingest-stream-format';
import { ACK_AND_GUARD_SCRIPT } from './ingest-stream-scripts';
import { assertKeyPrefix } from './key-prefix';
import { redisKeys, type RedisKeys } from './redis-keys';
import { RedisScript } from './redis-script';

export interface RedisStreamTradeFeedOptions {
  connection: RedisConnection;
  /** Start of every key: the stream is `<prefix>ingest:trades`, guards `<prefix>ingest:seen:<sha1>`. */
  keyPrefix: string;
  /** Trades are validated against it (IngestValidator); auto-tracked tokens are registered in it. */
  registry: InstrumentRegistry;
  /** "Now" for validation. Default systemClock. */
  clock?: Clock;
  /** Consumer group; every engine of a deployment uses the same one. Default `mdg-engine`. */
  group?: string;
  /**
   * This consumer's name within the group. Use a name that survives restarts (the node id): a
   * restarted consumer then finishes its own unacknowledged entries at once instead of waiting
   * for another to claim them. Default `<hostname>-<pid>-<random>`.
   */
  consumer?: string;
  /** Entries per read (XREADGROUP COUNT), 1..1000. Default 100. */
  batchSize?: number;
  /** How long one read waits for new entries (XREADGROUP BLOCK), 10..60000 ms. Default 1000. */
  blockMs?: number;
  /**
   * Entries pending on any consumer for longer than this are taken over (XAUTOCLAIM): the
   * consumer that read them is presumed dead. Keep it well above the time a batch takes to
   * process, or a slow but live consumer's entries are taken too. Default 30000 ms.
   */
  claimIdleMs?: number;
  /** How often to look for such entries. Default min(claimIdleMs, 5000) ms. */
  claimIntervalMs?: number;
  /**
   * How long a trade identity is remembered in Redis after it was applied, so that a duplicate
   * entry (an indexer's retried XADD) reaching any consumer is skipped. 0 disables the Redis
   * guard (the in-memory one remains). Memory: about 130 bytes per trade in the window.
   * Default 600000 ms (10 minutes).
   */
  guardTtlMs?: number;
  /**
   * The identities of trades applied into this process's engine (see RecentTradeKeys). Share one
   * instance between successive feeds of the same engine so a replacement consumer knows what
   * the one before applied. Default: a fresh set of 100000.
   */
  applied?: RecentTradeKeys;
  /** Where a newly created group starts: `0` = every entry already in the stream, `$` = only new ones. Default `0`. */
  startId?: '0' | '$';
  /** Track unknown tokens on their first valid trade (see AutoTrackPolicy). Default off. */
  autoTrack?: AutoTrackPolicy;
  /** Where auto-tracked tokens are recorded for every node. */
  tokens?: TokenRegistry;
  /** A command without an answer within this time (on top of blockMs for reads) fails. Default 2000 ms. */
  commandTimeoutMs?: number;
  reconnect?: RedisReconnectOptions;
  /** Feed name. Default `redis-stream`. Also the Redis connection name (CLIENT LIST) with `mdg-ingest-` in front. */
  name?: string;
}

export interface RedisStreamTradeFeedStats extends FeedStats {
  /** Entries whose trade was already applied (same identity seen here or guarded in Redis): skipped and acknowledged. */
  readonly duplicates: number;
  /** Entries acknowledged (applied, duplicate, rejected or deleted). */
  readonly acked: number;
  /** Entries taken over from idle consumers (XAUTOCLAIM). */
  readonly claimed: number;
  /** This consumer's own unacknowledged entries read again after a reconnect or restart. */
  readonly redelivered: number;
  /** onTrade threw: reported to onError, the entry is still acknowledged (a poison entry must not loop). */
  readonly handlerErrors: number;
  /** Acknowledgements that failed (the entries are redelivered and skipped as duplicates). */
  readonly ackFailures: number;
  /** Failed Redis round trips of any kind. */
  readonly redisFailures: number;
  /** Tokens tracked on their first trade. */
  readonly autoTracked: number;
}

type RawEntry = [id: string, fields: string[] | null];

interface Candidate {
  id: string;
  trade: Trade;
  key: string;
  guard: string;
}

type Origin = 'new' | 'redelivered' | 'claimed';

const ackScript = new RedisScript(ACK_AND_GUARD_SCRIPT);

/** How long a round waits for a (re)connection before counting it as a failure. */
const CONNECT_WAIT_MS = 2000;

/** At most this many XAUTOCLAIM pages per claim round, so a huge orphaned backlog does not starve new entries. */
const MAX_CLAIM_PAGES = 10;

/**
 * A Feed that consumes the token-trade ingest stream (`<prefix>ingest:trades`, see
 * ingest-stream-format.ts) with a consumer group.
 *
 * Per batch: read (XREADGROUP BLOCK), validate each entry (bad ones are reported as
 * InvalidFeedInputError, counted and acknowledged so they never loop), skip trades already
 * applied (the in-memory `applied` set, then the Redis guards in one MGET), hand the rest to
 * onTrade synchronously, and only then — onTrade having returned, so the engine applied them —
 * acknowledge the whole batch and guard the applied identities, atomically in one script.
 * After a reconnect or restart this consumer first re-reads its own unacknowledged entries;
 * entries left pending by a dead consumer are taken over with XAUTOCLAIM after `claimIdleMs`.
 *
 * Exactly-once effect. Delivery is at-least-once; application is made idempotent:
 * - an entry is acknowledged only after its trade was applied, and its identity is guarded in
 *   the same atomic step, so an acknowledged trade is never applied again by any consumer
 *   while its guard lives, and an unacknowledged one is always delivered again;
 * - a redelivered entry whose trade this process already applied (its acknowledgement was lost
 *   with a connection, or the consumer was replaced) is recognised by the `applied` set, which
 *   belongs to the engine and outlives the consumer when shared.
 * So as long as the engine lives, every trade affects it exactly once, whatever happens to
 * consumers and connections. When the engine's process dies, the effects of its acknowledged
 * entries are what it made durable; its unacknowledged entries (at most one batch) are applied
 * again by whoever claims them — the dead process's in-memory effect of those died with it.
 */
export class RedisStreamTradeFeed implements Feed {
  readonly name: string;
  readonly streamKey: string;
  readonly group: string;
  readonly consumer: string;
  private readonly keys: RedisKeys['ingest'];
  private readonly client: Redis;
  private readonly validator: IngestValidator;
  private readonly applied: RecentTradeKeys;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly claimIntervalMs: number;
  private readonly guardTtlMs: number;
  private readonly startId: '0' | '$';
  private readonly commandTimeoutMs: number;
  private handlers: FeedHandlers | undefined;
  private current: FeedState = 'idle';
  private stopping = false;
  private blocking = false;
  private groupReady = false;
  private recoverOwn = true;
  private nextClaimAt = 0;
  private failing = false;
  private wake: (() => void) | undefined;
  /** Rejecters of the commands in flight, failed at once when the connection closes (see send). */
  private readonly inFlight = new Set<(error: Error) => void>();
  private finished: Promise<void> = Promise.resolve();
  private readonly counters = { emitted: 0, rejected: 0, duplicates: 0, acked: 0, claimed: 0, redelivered: 0, handlerErrors: 0, ackFailures: 0, redisFailures: 0 };

  constructor(options: RedisStreamTradeFeedOptions) {
    assertKeyPrefix(options.keyPrefix, 'RedisStreamTradeFeed');
    const batchSize = options.batchSize ?? 100;
    const blockMs = options.blockMs ?? 1000;
    const claimIdleMs = options.claimIdleMs ?? 30_000;
    const claimIntervalMs = options.claimIntervalMs ?? Math.min(claimIdleMs, 5000);
    const guardTtlMs = options.guardTtlMs ?? 600_000;
    const commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    const startId = options.startId ?? '0';
    const problems: string[] = [];
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1000) problems.push(`batchSize must be an integer 1..1000, got ${batchSize}`);
    if (!Number.isInteger(blockMs) || blockMs < 10 || blockMs > 60_000) problems.push(`blockMs must be an integer 10..60000, got ${blockMs}`);
    if (!Number.isInteger(claimIdleMs) || claimIdleMs < 10) problems.push(`claimIdleMs must be an integer >= 10, got ${claimIdleMs}`);
    if (!Number.isInteger(claimIntervalMs) || claimIntervalMs < 10) problems.push(`claimIntervalMs must be an integer >= 10, got ${claimIntervalMs}`);
    if (!Number.isInteger(guardTtlMs) || guardTtlMs < 0) problems.push(`guardTtlMs must be a non-negative integer, got ${guardTtlMs}`);
    if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 1) problems.push(`commandTimeoutMs must be a positive integer, got ${commandTimeoutMs}`);
    if (startId !== '0' && startId !== '$') problems.push(`startId must be '0' or '$', got ${String(startId)}`);
    if (options.group !== undefined && !/^\S{1,200}$/.test(options.group)) problems.push('group must be 1-200 characters without spaces');
    if (options.consumer !== undefined && !/^\S{1,200}$/.test(options.consumer)) problems.push('consumer must be 1-200 characters without spaces');
    if (problems.length > 0) throw new InvalidConfigError(problems.map((problem) => `RedisStreamTradeFeed: ${problem}`));
    this.name = options.name ?? 'redis-stream';
    this.keys = redisKeys(options.keyPrefix).ingest;
    this.streamKey = this.keys.trades;
    this.group = options.group ?? 'mdg-engine';
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.batchSize = batchSize;
    this.blockMs = blockMs;
    this.claimIdleMs = claimIdleMs;
    this.claimIntervalMs = claimIntervalMs;
    this.guardTtlMs = guardTtlMs;
    this.startId = startId;
    this.applied = options.applied ?? new RecentTradeKeys(100_000);
    this.validator = new IngestValidator({
      registry: options.registry,
      clock: options.clock ?? systemClock,
      autoTrack: options.autoTrack,
      tokens: options.tokens,
      onError: (error) => this.report(error),
    });
    this.commandTimeoutMs = commandTimeoutMs;
    this.client = createRedisClient(options.connection, `mdg-ingest-${this.name}`, options.reconnect, {
      // Timeouts are enforced by send() (ioredis leaves the timers of dropped commands running).
      autoResendUnfulfilledCommands: false,
      lazyConnect: true,
    });
    // Every failed reconnection attempt emits an error; failures that matter surface in the loop.
    this.client.on('error', () => undefined);
    this.client.on('close', () => {
      for (const abort of [...this.inFlight]) abort(new Error('the connection to Redis closed with a command in flight'));
    });
  }

  /** Resolves at once; the consumer connects and runs in the background (state `stale` until Redis answers). */
  async start(handlers: FeedHandlers): Promise<void> {
    if (this.current !== 'idle') throw new Error(`feed ${this.name}: start() called in state '${this.current}'; a feed starts once`);
    this.handlers = handlers;
    this.current = 'stale';
    this.client.connect().catch(() => undefined); // the loop reports connection trouble
    this.finished = this.run();
  }

  /** Finishes the batch in hand (applied trades get acknowledged), then closes the connection. */
  async stop(): Promise<void> {
    if (this.current === 'idle') {
      this.current = 'stopped';
      await closeRedisClient(this.client);
      return;
    }
    this.stopping = true;
    this.wake?.();
    // Nothing has been applied from a read still waiting: dropping it is safe (anything the
    // server delivered meanwhile stays pending for this consumer name, or is claimed).
    if (this.blocking) this.client.disconnect();
    await this.finished;
  }

  state(): FeedState {
    return this.current;
  }

  stats(): RedisStreamTradeFeedStats {
    return { ...this.counters, autoTracked: this.validator.stats().autoTracked };
  }

  private async run(): Promise<void> {
    let failures = 0;
    try {
      while (!this.stopping) {
        try {
          await this.cycle();
          failures = 0;
          this.failing = false;
        } catch (error) {
          if (this.stopping) break;
          failures += 1;
          this.counters.redisFailures += 1;
          // Whatever failed, an acknowledgement may be among it: re-read our own pending entries.
          this.recoverOwn = true;
          if (isNoGroup(error)) {
            this.groupReady = false;
            this.report(new ServiceUnavailableError('redis', `consumer group ${this.group} on ${this.streamKey} vanished (Redis restarted empty, or the key was deleted); recreating it`, { cause: error }));
            continue;
          }
          this.current = 'stale';
          if (!this.failing) {
            this.failing = true;
            this.report(new ServiceUnavailableError('redis', `ingest stream ${this.streamKey}: ${(error as Error).message}; retrying`, { cause: error }));
          }
          await this.pause(reconnectDelay(failures, { initialDelayMs: 50, maxDelayMs: 2000 }));
        }
      }
    } finally {
      this.current = 'stopped';
      await closeRedisClient(this.client);
    }
  }

  /** One round: (re)create the group, finish our own pending entries, claim orphaned ones, read new ones. */
  private async cycle(): Promise<void> {
    await this.untilReady();
    if (this.stopping) return;
    if (!this.groupReady) {
      await this.ensureGroup();
      this.groupReady = true;
      this.recoverOwn = true;
    }
    if (this.recoverOwn) {
      await this.drainOwnPending();
      this.recoverOwn = false;
    }
    if (Date.now() >= this.nextClaimAt) {
      await this.claimIdle();
      this.nextClaimAt = Date.now() + this.claimIntervalMs;
    }
    if (this.stopping) return;
    this.current = 'live';
    this.blocking = true;
    let reply: unknown;
    try {
      reply = await this.send(() => this.client.call('XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'BLOCK', this.blockMs, 'STREAMS', this.streamKey, '>'), this.blockMs);
    } finally {
      this.blocking = false;
    }
    const entries = streamEntries(reply);
    if (entries.length > 0) await this.process(entries, 'new');
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.send(() => this.client.call('XGROUP', 'CREATE', this.streamKey, this.group, this.startId, 'MKSTREAM'));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
  }

  /** Our own delivered-but-unacknowledged entries (a lost acknowledgement, a restart under the same name). */
  private async drainOwnPending(): Promise<void> {
    let cursor = '0';
    for (;;) {
      const reply = await this.send(() => this.client.call('XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'STREAMS', this.streamKey, cursor));
      const entries = streamEntries(reply);
      if (entries.length === 0) return;
      await this.process(entries, 'redelivered');
      cursor = entries[entries.length - 1]![0];
    }
  }

  /** Takes over entries idle longer than claimIdleMs on any consumer (dead ones, in practice). */
  private async claimIdle(): Promise<void> {
    let cursor = '0-0';
    for (let page = 0; page < MAX_CLAIM_PAGES; page++) {
      const reply = await this.send(() => this.client.call('XAUTOCLAIM', this.streamKey, this.group, this.consumer, this.claimIdleMs, cursor, 'COUNT', this.batchSize));
      if (!Array.isArray(reply) || reply.length < 2) throw new Error(`unexpected XAUTOCLAIM reply: ${JSON.stringify(reply)}`);
      const entries = entryList(reply[1]);
      if (entries.length > 0) await this.process(entries, 'claimed');
      cursor = String(reply[0]);
      if (cursor === '0-0') return;
    }
  }

  private async process(entries: readonly RawEntry[], origin: Origin): Promise<void> {
    const ack: string[] = [];
    const candidates: Candidate[] = [];
    for (const [id, fields] of entries) {
      if (origin === 'claimed') this.counters.claimed += 1;
      if (origin === 'redelivered') this.counters.redelivered += 1;
      // Trimmed or deleted after delivery: nothing left to apply, only the pending entry to clear.
      if (fields === null) {
        ack.push(id);
        continue;
      }
      const decoded = this.decode(id, fields);
      if (decoded instanceof Error) {
        this.counters.rejected += 1;
        this.report(decoded);
        ack.push(id);
        continue;
      }
      const key = tradeKey(decoded);
      candidates.push({ id, trade: decoded, key, guard: this.keys.seen(key) });
    }
    const guarded = await this.guardedKeys(candidates);
    // Synchronous from here to the acknowledgement request: a batch is applied as a whole.
    for (const candidate of candidates) {
      if (!guarded.has(candidate.key) && this.applied.addKey(candidate.key)) this.deliver(candidate.trade);
      else this.counters.duplicates += 1;
      ack.push(candidate.id);
    }
    await this.acknowledge(ack, this.guardTtlMs > 0 ? candidates : []);
  }

  /** The identities among `candidates` that some consumer already applied (their Redis guard exists). */
  private async guardedKeys(candidates: readonly Candidate[]): Promise<Set<string>> {
    const unknown = candidates.filter((candidate) => !this.applied.hasKey(candidate.key));
    if (this.guardTtlMs === 0 || unknown.length === 0) return new Set();
    const values = await this.send(() => this.client.mget(...unknown.map((candidate) => candidate.guard)));
    return new Set(unknown.filter((_, index) => values[index] !== null).map((candidate) => candidate.key));
  }

  private async acknowledge(ids: readonly string[], guards: readonly Candidate[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      const acked = await this.send(() =>
        ackScript.run(this.client, [this.streamKey, ...guards.map((candidate) => candidate.guard)], [this.group, this.guardTtlMs, ...guards.map((candidate) => candidate.id), ...ids]),
      );
      this.counters.acked += Number(acked);
    } catch (error) {
      this.counters.ackFailures += 1;
      throw error;
    }
  }

  private decode(id: string, fields: readonly string[]): Trade | InvalidFeedInputError {
    const where = `${this.streamKey} entry ${id}`;
    let text: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === INGEST_TRADE_FIELD) {
        text = fields[i + 1];
        break;
      }
    }
    if (text === undefined) return new InvalidFeedInputError(where, `no "${INGEST_TRADE_FIELD}" field`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return new InvalidFeedInputError(where, `INVALID_JSON: the trade field is not JSON (${(error as Error).message})`);
    }
    try {
      return this.validator.validate(raw);
    } catch (error) {
      if (!isTradeRefusal(error)) throw error;
      return new InvalidFeedInputError(where, `${error.code}: ${error.message}`);
    }
  }

  private deliver(trade: Trade): void {
    this.counters.emitted += 1;
    try {
      this.handlers?.onTrade(trade);
    } catch (error) {
      this.counters.handlerErrors += 1;
      this.report(error instanceof Error ? error : new Error(`feed ${this.name}: onTrade threw ${String(error)}`));
    }
  }

  /** Hands an error to onError; a throwing onError, having nowhere left to go, becomes a process warning. */
  private report(error: Error): void {
    try {
      this.handlers?.onError(error);
    } catch (secondary) {
      process.emitWarning(`feed ${this.name}: onError handler threw: ${String(secondary)} (while reporting: ${error.message})`);
    }
  }

  /**
   * Runs one Redis command, failing it as soon as the connection closes — ioredis (without
   * resending) silently drops the commands in flight on a lost connection — or when no answer
   * came within commandTimeoutMs (plus `waitMs` the command blocks by design); a connection that
   * stopped answering is then replaced. A dropped command's own late settlement is absorbed here.
   */
  private send<T>(command: () => Promise<T>, waitMs = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.inFlight.delete(abort);
      };
      const abort = (error: Error): void => {
        finish();
        reject(error);
      };
      const timer = setTimeout(() => {
        abort(new Error(`Redis did not answer within ${this.commandTimeoutMs + waitMs} ms`));
        this.client.disconnect(true);
      }, this.commandTimeoutMs + waitMs);
      this.inFlight.add(abort);
      command().then(
        (value) => {
          finish();
          resolve(value);
        },
        (error: unknown) => abort(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  /**
   * Waits for the connection (commands fail at once while it is down: no offline queue) up to
   * the time a reconnect normally takes, so a start or a short blip is not reported as an outage.
   */
  private async untilReady(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off('ready', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, CONNECT_WAIT_MS);
      this.client.once('ready', done);
      this.wake = done;
    });
    if (this.stopping) return;
    // Re-read: the status changed while waiting (TypeScript narrowed it before the await).
    const status: string = this.client.status;
    if (status !== 'ready') throw new Error(`not connected to Redis (connection ${status})`);
  }

  /** A retry wait that stop() cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}

/**
 * The entries of an XREADGROUP reply for one stream (`null` when the read timed out). RESP2
 * answers `[[key, entries]]`; RESP3 a map, which ioredis flattens to `[key, entries]`.
 */
function streamEntries(reply: unknown): RawEntry[] {
  if (reply === null) return [];
  if (Array.isArray(reply) && typeof reply[0] === 'string') return entryList(reply[1]);
  if (Array.isArray(reply) && Array.isArray(reply[0])) return entryList((reply[0] as unknown[])[1]);
  throw new Error(`unexpected XREADGROUP reply: ${JSON.stringify(reply)}`);
}

/** `[[id, [field, value, ...] | null], ...]` → typed entries. */
function entryList(list: unknown): RawEntry[] {
  if (!Array.isArray(list)) throw new Error(`unexpected stream entry list: ${JSON.stringify(list)}`);
  return list.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new Error(`unexpected stream entry: ${JSON.stringify(entry)}`);
    const fields = entry[1];
    return [entry[0], Array.isArray(fields) ? fields.map(String) : null];
  });
}

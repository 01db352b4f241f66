import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { systemIntervalTimer, type Feed, type FeedHandlers, type FeedState } from '@mdg/feeds';
import { IngestValidator, RecentTradeKeys, tradeKey } from '@mdg/ingest';
import { InvalidConfigError, ServiceUnavailableError, systemClock, type Trade } from '@mdg/model';
import { closeRedisClient, createRedisClient, reconnectDelay, RedisScript } from '@mdg/redis-client';
import { ClaimSchedule } from './claim-schedule';
import type { IngestAckLedger } from './ingest-ack-ledger';
import { decodeIngestEntry } from './ingest-entry-decoder';
import { IngestConsumerGroup } from './ingest-consumer-group';
import { ACK_AND_GUARD_SCRIPT } from './ingest-stream-scripts';
import { assertKeyPrefix } from './key-prefix';
import { RedisCommandRunner } from './redis-command-runner';
import { redisKeys, type RedisKeys } from './redis-keys';
import type { RedisStreamTradeFeedOptions, RedisStreamTradeFeedStats } from './redis-stream-trade-feed-options';
import { isNoGroup, type RawEntry } from './stream-replies';

export type { RedisStreamTradeFeedOptions, RedisStreamTradeFeedStats } from './redis-stream-trade-feed-options';

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
 *
 * With `acks` (the scale-out engine), an applied entry is not acknowledged here: it is recorded
 * in the ledger, and the engine's checkpoint save acknowledges it and sets its guard in the same
 * fenced script that stores the state holding it. So what a kill -9 loses was never
 * acknowledged (the next owner applies it from its checkpoint on), and reading pauses while
 * checkpoints fail. Entries applied but still waiting in the ledger are skipped when they come
 * back (own-pending re-reads, claims). With `takeOverPending`, the first claim round takes every
 * pending entry of the group at once (a dead owner's unsaved trades must be applied before
 * their candles close), not only those idle for claimIdleMs.
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
  private readonly guardTtlMs: number;
  private readonly runner: RedisCommandRunner;
  private readonly consumerGroup: IngestConsumerGroup;
  private readonly claims: ClaimSchedule;
  private readonly acks: IngestAckLedger | undefined;
  private takeOverPending: boolean;
  private signalStop: () => void = () => undefined;
  private readonly stopSignal = new Promise<void>((resolve) => {
    this.signalStop = resolve;
  });
  private handlers: FeedHandlers | undefined;
  private current: FeedState = 'idle';
  private stopping = false;
  private blocking = false;
  private groupReady = false;
  private recoverOwn = true;
  private failing = false;
  private finished: Promise<void> = Promise.resolve();
  private readonly counters = {
    emitted: 0,
    rejected: 0,
    duplicates: 0,
    acked: 0,
    claimed: 0,
    claimRounds: 0,
    redelivered: 0,
    handlerErrors: 0,
    ackFailures: 0,
    redisFailures: 0,
    pauses: 0,
  };

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
    this.guardTtlMs = guardTtlMs;
    this.applied = options.applied ?? new RecentTradeKeys(100_000);
    this.validator = new IngestValidator({
      registry: options.registry,
      clock: options.clock ?? systemClock,
      autoTrack: options.autoTrack,
      tokens: options.tokens,
      onError: (error) => this.report(error),
    });
    this.client = createRedisClient(options.connection, `mdg-ingest-${this.name}`, options.reconnect, {
      // Timeouts are enforced by send() (ioredis leaves the timers of dropped commands running).
      autoResendUnfulfilledCommands: false,
      lazyConnect: true,
    });
    // Every failed reconnection attempt emits an error; failures that matter surface in the loop.
    this.client.on('error', () => undefined);
    this.runner = new RedisCommandRunner(this.client, commandTimeoutMs, CONNECT_WAIT_MS);
    this.consumerGroup = new IngestConsumerGroup({
      client: this.client,
      runner: this.runner,
      streamKey: this.streamKey,
      group: this.group,
      consumer: this.consumer,
      batchSize,
      blockMs,
      claimIdleMs,
      startId,
    });
    this.acks = options.acks;
    this.takeOverPending = options.takeOverPending ?? false;
    this.claims = new ClaimSchedule(options.claimTimer ?? systemIntervalTimer, claimIntervalMs);
  }

  /** Resolves at once; the consumer connects and runs in the background (state `stale` until Redis answers). */
  start(handlers: FeedHandlers): Promise<void> {
    if (this.current !== 'idle') return Promise.reject(new Error(`feed ${this.name}: start() called in state '${this.current}'; a feed starts once`));
    this.handlers = handlers;
    // A new term: entries a former feed of this engine left unsaved were claimed by others since.
    this.acks?.reset();
    this.current = 'stale';
    this.claims.start();
    this.client.connect().catch(() => undefined); // the loop reports connection trouble
    this.finished = this.run();
    return Promise.resolve();
  }

  /** Finishes the batch in hand (applied trades get acknowledged, or with `acks` recorded for the next checkpoint), then closes the connection. */
  async stop(): Promise<void> {
    if (this.current === 'idle') {
      this.current = 'stopped';
      await closeRedisClient(this.client);
      return;
    }
    this.stopping = true;
    this.signalStop();
    this.runner.interrupt();
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
            this.report(
              new ServiceUnavailableError(
                'redis',
                `consumer group ${this.group} on ${this.streamKey} vanished (Redis restarted empty, or the key was deleted); recreating it`,
                { cause: error },
              ),
            );
            continue;
          }
          this.current = 'stale';
          if (!this.failing) {
            this.failing = true;
            this.report(new ServiceUnavailableError('redis', `ingest stream ${this.streamKey}: ${(error as Error).message}; retrying`, { cause: error }));
          }
          await this.runner.pause(reconnectDelay(failures, { initialDelayMs: 50, maxDelayMs: 2000 }));
        }
      }
    } finally {
      this.current = 'stopped';
      this.claims.stop();
      await closeRedisClient(this.client);
    }
  }

  /** One round: (re)create the group, finish our own pending entries, claim orphaned ones, read new ones. */
  private async cycle(): Promise<void> {
    await this.runner.untilReady();
    if (this.stopping) return;
    if (this.acks && !this.acks.accepting()) {
      // Checkpoints fail (or lag far behind): applying more would only pile up unsaved trades.
      this.current = 'stale';
      this.counters.pauses += 1;
      await Promise.race([this.acks.whenAccepting(), this.stopSignal]);
      return;
    }
    if (!this.groupReady) {
      await this.consumerGroup.ensure();
      this.groupReady = true;
      this.recoverOwn = true;
    }
    if (this.recoverOwn) {
      await this.drainOwnPending();
      this.recoverOwn = false;
    }
    if (this.claims.isDue()) {
      await this.claimIdle();
      this.claims.ran();
      this.counters.claimRounds += 1;
    }
    if (this.stopping) return;
    this.current = 'live';
    this.blocking = true;
    let entries: RawEntry[];
    try {
      entries = await this.consumerGroup.readNew();
    } finally {
      this.blocking = false;
    }
    if (entries.length > 0) await this.process(entries, 'new');
  }

  /** Our own delivered-but-unacknowledged entries (a lost acknowledgement, a restart under the same name). */
  private async drainOwnPending(): Promise<void> {
    let cursor = '0';
    for (;;) {
      const entries = await this.consumerGroup.readOwnPending(cursor);
      if (entries.length === 0) return;
      await this.process(entries, 'redelivered');
      cursor = entries[entries.length - 1]![0];
    }
  }

  /** Takes over entries idle longer than claimIdleMs on any consumer (dead ones, in practice). */
  private async claimIdle(): Promise<void> {
    let cursor = '0-0';
    const all = this.takeOverPending;
    for (let page = 0; all || page < MAX_CLAIM_PAGES; page++) {
      const { entries, next } = await this.consumerGroup.claimPage(cursor, all ? 0 : undefined);
      if (entries.length > 0) await this.process(entries, 'claimed');
      cursor = next;
      if (cursor === '0-0') break;
    }
    this.takeOverPending = false;
  }

  private async process(entries: readonly RawEntry[], origin: Origin): Promise<void> {
    const ack: string[] = [];
    const candidates: Candidate[] = [];
    for (const [id, fields] of entries) {
      // Applied, its acknowledgement waits for the checkpoint that holds it.
      if (this.acks?.has(id)) continue;
      if (origin === 'claimed') this.counters.claimed += 1;
      if (origin === 'redelivered') this.counters.redelivered += 1;
      // Trimmed or deleted after delivery: nothing left to apply, only the pending entry to clear.
      if (fields === null) {
        ack.push(id);
        continue;
      }
      const decoded = decodeIngestEntry(this.validator, `${this.streamKey} entry ${id}`, fields);
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
      if (!guarded.has(candidate.key) && this.applied.addKey(candidate.key)) {
        this.deliver(candidate.trade);
        if (this.acks) {
          const guard = this.guardTtlMs > 0 ? candidate.guard : undefined;
          this.acks.record(this.streamKey, this.group, { id: candidate.id, guard, guardTtlMs: this.guardTtlMs });
          continue;
        }
      } else this.counters.duplicates += 1;
      ack.push(candidate.id);
    }
    // With a ledger only duplicates, rejects and deleted entries are acknowledged here (no guards: nothing new was applied).
    await this.acknowledge(ack, this.guardTtlMs > 0 && !this.acks ? candidates : []);
  }

  /** The identities among `candidates` that some consumer already applied (their Redis guard exists). */
  private async guardedKeys(candidates: readonly Candidate[]): Promise<Set<string>> {
    const unknown = candidates.filter((candidate) => !this.applied.hasKey(candidate.key));
    if (this.guardTtlMs === 0 || unknown.length === 0) return new Set();
    const values = await this.runner.send(() => this.client.mget(...unknown.map((candidate) => candidate.guard)));
    return new Set(unknown.filter((_, index) => values[index] !== null).map((candidate) => candidate.key));
  }

  private async acknowledge(ids: readonly string[], guards: readonly Candidate[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      const acked = await this.runner.send(() =>
        ackScript.run(
          this.client,
          [this.streamKey, ...guards.map((candidate) => candidate.guard)],
          [this.group, this.guardTtlMs, ...guards.map((candidate) => candidate.id), ...ids],
        ),
      );
      this.counters.acked += Number(acked);
    } catch (error) {
      this.counters.ackFailures += 1;
      throw error;
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
}

import type { FeedStats, IntervalTimer } from '@mdg/feeds';
import type { AutoTrackPolicy, RecentTradeKeys } from '@mdg/ingest';
import type { Clock, InstrumentRegistry } from '@mdg/model';
import type { TokenRegistry } from '@mdg/tokens';
import type { IngestAckLedger } from './ingest-ack-ledger';
import type { RedisConnection, RedisReconnectOptions } from '@mdg/redis-client';

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
  /** Schedules those looks (every claimIntervalMs). Default systemIntervalTimer; tests step it with ManualIntervalTimer. */
  claimTimer?: IntervalTimer;
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
  /**
   * Acknowledge applied entries through this ledger, with the engine's checkpoints
   * (RedisEngineStateStore.acks), instead of right after applying them; reading pauses while
   * the ledger refuses more. Default: acknowledged after applying.
   */
  acks?: IngestAckLedger;
  /** The first claim round takes every pending entry of the group, idle or not (a new engine owner). Default false. */
  takeOverPending?: boolean;
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
  /** Completed looks for such entries (claim rounds), whether they found any or not. */
  readonly claimRounds: number;
  /** This consumer's own unacknowledged entries read again after a reconnect or restart. */
  readonly redelivered: number;
  /** onTrade threw: reported to onError, the entry is still acknowledged (a poison entry must not loop). */
  readonly handlerErrors: number;
  /** Acknowledgements that failed (the entries are redelivered and skipped as duplicates). */
  readonly ackFailures: number;
  /** Times reading paused because the ack ledger refused more (checkpoints failing or lagging). */
  readonly pauses: number;
  /** Failed Redis round trips of any kind. */
  readonly redisFailures: number;
  /** Tokens tracked on their first trade. */
  readonly autoTracked: number;
}

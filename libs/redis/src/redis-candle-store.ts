import type { Redis } from 'ioredis';
import {
  coverageOf,
  resolveRetention,
  retentionCutoff,
  type CandleRange,
  type CandleRangeQuery,
  type CandleStore,
  type FinalCandle,
  type PruneResult,
  type RetentionPolicy,
} from '@mdg/history';
import { CandleStoreError, type Candle } from '@mdg/model';
import { closeRedisClient, createRedisClient, RedisScript, waitUntilReady, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';
import { decodeCandleRecord, encodeCandleRecord } from './candle-record-codec';
import { assertKeyPrefix } from './key-prefix';
import { PRUNE_CANDLES_SCRIPT, RANGE_CANDLES_SCRIPT, UPSERT_CANDLES_SCRIPT } from './redis-candle-store-scripts';
import { redisKeys, type RedisKeys } from './redis-keys';

export interface RedisCandleStoreOptions {
  connection: RedisConnection;
  /** Start of every key, e.g. `mdg:`; lets deployments and tests share a Redis. */
  keyPrefix: string;
  /** Retention overrides per timeframe (seconds → ms) on top of DEFAULT_RETENTION_MS, used by prune. */
  retention?: Readonly<Record<number, number>>;
  /** A command not answered within this fails (the worker's job is retried; a history read answers complete:false). Default 5000 ms. */
  commandTimeoutMs?: number;
  /** Backoff between reconnection attempts. */
  reconnect?: RedisReconnectOptions;
  /** Connection name shown by CLIENT LIST. Default `mdg-candles`. */
  name?: string;
  /** Connection errors (the client reconnects by itself) and corrupt records. Default: counted only. */
  onError?: (error: Error) => void;
}

export interface RedisCandleStoreStats {
  /** Records skipped because they could not be decoded (reported through onError). */
  corruptRecords: number;
  /** Connection errors seen (the client reconnects until close). */
  connectionErrors: number;
}

const upsertScript = new RedisScript(UPSERT_CANDLES_SCRIPT);
const rangeScript = new RedisScript(RANGE_CANDLES_SCRIPT);
const pruneScript = new RedisScript(PRUNE_CANDLES_SCRIPT);

/**
 * CandleStore on Redis. Keys (`P` = keyPrefix, `S` = `<instrument>:<timeframe>`):
 * - `P candles:{S}`: sorted set, one record per bucket scored by bucket time; a record is the
 *   JSON row of the candle and its link (FinalCandle.prev);
 * - `P candle-floor:{S}`: string, finals older than it may have been removed (retention);
 * - `P candle-streams`: set of every S written, for prune.
 *
 * Upsert replaces the record at a time inside one script, so it is idempotent; retention is
 * ZREMRANGEBYSCORE below the cutoff. Commands fail at once while disconnected (no offline
 * queue) and after `commandTimeoutMs`: writers retry, readers report.
 */
export class RedisCandleStore implements CandleStore {
  private readonly client: Redis;
  private readonly keys: RedisKeys['candles'];
  private readonly retention: RetentionPolicy;
  private readonly reportError: (error: Error) => void;
  private readonly counters: RedisCandleStoreStats = { corruptRecords: 0, connectionErrors: 0 };
  private closed: Promise<void> | undefined;

  constructor(options: RedisCandleStoreOptions) {
    assertKeyPrefix(options.keyPrefix, 'RedisCandleStore');
    this.keys = redisKeys(options.keyPrefix).candles;
    this.retention = resolveRetention(options.retention);
    this.reportError = options.onError ?? (() => undefined);
    this.client = createRedisClient(options.connection, options.name ?? 'mdg-candles', options.reconnect, { commandTimeout: options.commandTimeoutMs ?? 5000 });
    // Without a listener ioredis prints every failed reconnection attempt.
    this.client.on('error', (error: Error) => {
      this.counters.connectionErrors += 1;
      this.reportError(new Error(`candle store connection: ${error.message}`, { cause: error }));
    });
  }

  /** A store whose connection is up, or a ServiceUnavailableError after `connectTimeoutMs` (default 10000). */
  static async connect(options: RedisCandleStoreOptions & { connectTimeoutMs?: number }): Promise<RedisCandleStore> {
    const store = new RedisCandleStore(options);
    try {
      await waitUntilReady(store.client, options.connectTimeoutMs ?? 10_000, 'the candle store connection');
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async upsert(candles: readonly FinalCandle[]): Promise<void> {
    const byStream = new Map<string, (string | number)[]>();
    for (const { instrument, timeframe, candle, prev } of candles) {
      const stream = streamOf(instrument, timeframe);
      let args = byStream.get(stream);
      if (args === undefined) {
        args = [];
        byStream.set(stream, args);
      }
      args.push(candle.time, encodeCandleRecord(candle, prev));
    }
    if (byStream.size === 0) return;
    try {
      await this.client.sadd(this.keys.streams, ...byStream.keys());
      await Promise.all([...byStream].map(([stream, args]) => upsertScript.run(this.client, this.streamKeys(stream), args)));
    } catch (error) {
      throw new CandleStoreError('upsert', `writing ${candles.length} candles failed: ${messageOf(error)}`, { cause: error });
    }
  }

  async range(instrument: string, timeframe: number, query: CandleRangeQuery): Promise<CandleRange> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 1) throw new CandleStoreError('range', `limit must be a positive integer, got ${query.limit}`);
    const max = query.throughTime === undefined ? '+inf' : String(query.throughTime);
    const min = query.afterTime === undefined ? '-inf' : `(${query.afterTime}`;
    let reply: unknown;
    try {
      reply = await rangeScript.run(this.client, this.streamKeys(streamOf(instrument, timeframe)), [max, min, query.limit]);
    } catch (error) {
      throw new CandleStoreError('range', `reading ${instrument} ${timeframe}s failed: ${messageOf(error)}`, { cause: error });
    }
    const [records, floor] = reply as [string[], string | null];
    const candles: Candle[] = [];
    const prevs: (number | null)[] = [];
    // Newest first from Redis; oldest first for the caller.
    for (let index = records.length - 1; index >= 0; index--) {
      const decoded = decodeCandleRecord(records[index]!);
      if (decoded === undefined) {
        this.counters.corruptRecords += 1;
        this.reportError(new CandleStoreError('range', `skipped a corrupt record of ${instrument} ${timeframe}s`));
        continue;
      }
      candles.push(decoded.candle);
      prevs.push(decoded.prev);
    }
    return { candles, prevs, coversFrom: coverageOf(candles, prevs, timeframe), floor: floor === null ? undefined : Number(floor) };
  }

  async prune(now: number): Promise<PruneResult> {
    try {
      const streams = await this.client.smembers(this.keys.streams);
      const removed = await Promise.all(
        streams.map((stream) => {
          const timeframe = Number(stream.slice(stream.lastIndexOf(':') + 1));
          return pruneScript.run(this.client, this.streamKeys(stream), [retentionCutoff(this.retention, timeframe, now)]);
        }),
      );
      return { removed: removed.reduce<number>((sum, count) => sum + Number(count), 0), streams: streams.length };
    } catch (error) {
      throw new CandleStoreError('prune', messageOf(error), { cause: error });
    }
  }

  stats(): RedisCandleStoreStats {
    return { ...this.counters };
  }

  close(): Promise<void> {
    this.closed ??= closeRedisClient(this.client);
    return this.closed;
  }

  private streamKeys(stream: string): [string, string] {
    return [this.keys.records(stream), this.keys.floor(stream)];
  }
}

function streamOf(instrument: string, timeframe: number): string {
  return `${instrument}:${timeframe}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

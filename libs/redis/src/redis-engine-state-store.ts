import type { Redis } from 'ioredis';
import type { SeriesState, TickerSlotState, TickerState } from '@mdg/engine';
import type { EngineCheckpoint, EngineStateStore } from '@mdg/pipeline';
import { InvalidConfigError, ServiceUnavailableError } from '@mdg/model';
import { closeRedisClient, createRedisClient, RedisScript, waitUntilReady, type RedisConnection, type RedisReconnectOptions } from '@mdg/redis-client';
import { assertKeyPrefix } from './key-prefix';
import { redisKeys, type RedisKeys } from './redis-keys';
import { SAVE_ENGINE_STATE_SCRIPT } from './redis-engine-state-scripts';
import { IngestAckLedger, type AckBatch } from './ingest-ack-ledger';

export interface RedisEngineStateStoreOptions {
  connection: RedisConnection;
  /**
   * Start of every key name, e.g. `mdg:`; the same as the RedisEngineLease's (saves are fenced
   * by `<prefix>engine:lease`). State: `<prefix>engine:candles`, `<prefix>engine:tickers`,
   * `<prefix>engine:ticker:<symbol>`.
   */
  keyPrefix: string;
  /** A command without an answer within this time fails. Default 5000 ms (a first, full save can be large). */
  commandTimeoutMs?: number;
  reconnect?: RedisReconnectOptions;
  /** Connection name shown by CLIENT LIST. Default `mdg-engine-state`. */
  name?: string;
  /**
   * Stored entries load() cannot decode (skipped, so one bad entry never blocks a takeover).
   * Default: a process warning.
   */
  onCorruptEntry?(key: string, field: string, problem: string): void;
  /** Ingest entries to acknowledge with each checkpoint (see IngestAckLedger). Default: a fresh ledger, exposed as `acks`. */
  acks?: IngestAckLedger;
}

const saveScript = new RedisScript(SAVE_ENGINE_STATE_SCRIPT);

type TickerScalars = Omit<TickerState, 'slots'>;

/**
 * EngineStateStore over Redis. Candle series live in one hash `<prefix>engine:candles`
 * (field `<instrument>:<timeframe>` → SeriesState JSON); each price symbol has a hash
 * `<prefix>engine:ticker:<symbol>` (field `meta` → scalars JSON, `m:<minute>` → slot JSON),
 * listed in the set `<prefix>engine:tickers`. Nothing expires: the state outlives any owner.
 *
 * save() is one Lua script: it checks that the given epoch is the live lease's
 * (`<prefix>engine:lease`, written by RedisEngineLease with the same prefix), then merges
 * everything, so a deposed owner's late save changes nothing. The same script acknowledges the
 * ingest entries waiting in `acks` (the RedisStreamTradeFeed of this engine records them there):
 * they are taken synchronously when save() is called, that is together with the capture of
 * the state it saves. load() reads everything in two MULTI round trips.
 */
export class RedisEngineStateStore implements EngineStateStore {
  private readonly redis: Redis;
  private readonly keys: RedisKeys['engine'];
  private readonly leaseKey: string;
  private readonly candlesKey: string;
  private readonly tickersKey: string;
  private connectionErrors = 0;
  /** Applied ingest entries waiting for the checkpoint that holds them. */
  readonly acks: IngestAckLedger;

  constructor(private readonly options: RedisEngineStateStoreOptions) {
    assertKeyPrefix(options.keyPrefix, 'RedisEngineStateStore');
    const commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 1) {
      throw new InvalidConfigError([`RedisEngineStateStore: commandTimeoutMs must be a positive integer, got ${commandTimeoutMs}`]);
    }
    this.acks = options.acks ?? new IngestAckLedger();
    this.keys = redisKeys(options.keyPrefix).engine;
    this.leaseKey = this.keys.lease;
    this.candlesKey = this.keys.candles;
    this.tickersKey = this.keys.tickers;
    // A timed-out save is not resent after a reconnect: the caller already counts it as failed.
    this.redis = createRedisClient(options.connection, options.name ?? 'mdg-engine-state', options.reconnect, {
      commandTimeout: commandTimeoutMs,
      autoResendUnfulfilledCommands: false,
    });
    // Every failed reconnection attempt emits an error; the failing commands report the outage.
    this.redis.on('error', () => {
      this.connectionErrors += 1;
    });
  }

  /** A store whose connection is up, or a ServiceUnavailableError after `connectTimeoutMs` (default 10000). */
  static async connect(options: RedisEngineStateStoreOptions & { connectTimeoutMs?: number }): Promise<RedisEngineStateStore> {
    const store = new RedisEngineStateStore(options);
    try {
      await waitUntilReady(store.redis, options.connectTimeoutMs ?? 10_000, 'the engine state store');
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /**
   * Saves `checkpoint` and acknowledges the ingest entries recorded in `acks` until this call:
   * call it in the same synchronous step that captured the checkpoint from the engine.
   */
  async save(epoch: number, checkpoint: EngineCheckpoint): Promise<boolean> {
    const batch = this.acks.take();
    if (!Number.isSafeInteger(epoch)) {
      this.acks.settle(batch, 'refused');
      return false;
    }
    const keys = [this.leaseKey, this.candlesKey, this.tickersKey];
    const args: (string | number)[] = [String(epoch), checkpoint.candles.length, checkpoint.tickers.length];
    for (const state of checkpoint.candles) args.push(seriesField(state), JSON.stringify(state));
    for (const { slots, ...scalars } of checkpoint.tickers) {
      keys.push(this.tickerKey(scalars.symbol));
      args.push(scalars.symbol, JSON.stringify(scalars), scalars.evictedThrough === null ? '' : String(scalars.evictedThrough), slots.length);
      for (const slot of slots) args.push(String(slot.minute), JSON.stringify(slot));
    }
    if (batch !== undefined) appendAcks(batch, keys, args);
    let written: unknown;
    try {
      written = await saveScript.run(this.redis, keys, args);
    } catch (error) {
      this.acks.settle(batch, 'failed');
      throw new ServiceUnavailableError('redis', `saving an engine checkpoint (epoch ${epoch}) failed: ${(error as Error).message}`, { cause: error });
    }
    this.acks.settle(batch, written === 1 ? 'saved' : 'refused');
    return written === 1;
  }

  async load(): Promise<EngineCheckpoint> {
    try {
      const [seriesHash, symbols] = await exec<[Record<string, string>, string[]]>(this.redis.multi().hgetall(this.candlesKey).smembers(this.tickersKey));
      const tickerHashes =
        symbols.length === 0
          ? []
          : await exec<Record<string, string>[]>(symbols.reduce((multi, symbol) => multi.hgetall(this.tickerKey(symbol)), this.redis.multi()));
      const candles: SeriesState[] = [];
      for (const [field, json] of Object.entries(seriesHash)) {
        const state = this.decode(this.candlesKey, field, json, isSeriesState);
        if (state) candles.push(state);
      }
      const tickers: TickerState[] = [];
      symbols.forEach((symbol, index) => {
        const hash = tickerHashes[index] ?? {};
        const key = this.tickerKey(symbol);
        if (hash['meta'] === undefined) return; // listed, but its hash is gone (deleted by hand): nothing to restore
        const scalars = this.decode(key, 'meta', hash['meta'], isTickerScalars);
        if (scalars === undefined) return;
        const slots: TickerSlotState[] = [];
        for (const [field, json] of Object.entries(hash)) {
          if (!field.startsWith('m:')) continue;
          const slot = this.decode(key, field, json, isSlotState);
          if (slot === undefined) continue;
          // The save script drops evicted minutes; this also hides any left by a store written another way.
          if (scalars.evictedThrough === null || slot.minute > scalars.evictedThrough) slots.push(slot);
        }
        slots.sort((a, b) => a.minute - b.minute);
        tickers.push({ ...scalars, slots });
      });
      return { candles, tickers };
    } catch (error) {
      if (error instanceof ServiceUnavailableError) throw error;
      throw new ServiceUnavailableError('redis', `loading the engine state failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Failed connection attempts seen so far (each reconnection attempt during an outage counts). */
  stats(): { connectionErrors: number } {
    return { connectionErrors: this.connectionErrors };
  }

  async close(): Promise<void> {
    await closeRedisClient(this.redis);
  }

  private tickerKey(symbol: string): string {
    return this.keys.ticker(symbol);
  }

  private decode<T>(key: string, field: string, json: string, valid: (value: unknown) => value is T): T | undefined {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      this.corrupt(key, field, `not JSON (${(error as Error).message})`);
      return undefined;
    }
    if (valid(value)) return value;
    this.corrupt(key, field, 'not the expected shape');
    return undefined;
  }

  private corrupt(key: string, field: string, problem: string): void {
    if (this.options.onCorruptEntry === undefined) {
      process.emitWarning(`skipped stored engine state ${key} ${field}: ${problem}`, 'RedisEngineStateStore');
      return;
    }
    this.options.onCorruptEntry(key, field, problem);
  }
}

/** The stream, then the guard keys; group, guard count, (value, TTL) per guard, then the ids (see the script). */
function appendAcks(batch: AckBatch, keys: string[], args: (string | number)[]): void {
  const guarded = batch.entries.filter((entry) => entry.guard !== undefined);
  keys.push(batch.stream, ...guarded.map((entry) => entry.guard!));
  args.push(batch.group, guarded.length);
  for (const entry of guarded) args.push(entry.id, entry.guardTtlMs);
  for (const entry of batch.entries) args.push(entry.id);
}

function seriesField(state: SeriesState): string {
  return `${state.instrument}:${state.timeframe}`;
}

/** Runs a MULTI and returns its replies, throwing the first command error. */
async function exec<T extends unknown[]>(multi: ReturnType<Redis['multi']>): Promise<T> {
  const results = await multi.exec();
  if (results === null) throw new Error('the transaction was aborted');
  const failure = results.find(([error]) => error !== null)?.[0];
  if (failure) throw failure;
  return results.map(([, value]) => value) as T;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumberOrNull(value: unknown): boolean {
  return value === null || typeof value === 'number';
}

function isSeriesState(value: unknown): value is SeriesState {
  return (
    isRecord(value) &&
    typeof value['instrument'] === 'string' &&
    typeof value['timeframe'] === 'number' &&
    isNumberOrNull(value['finalizedThrough']) &&
    isNumberOrNull(value['lastFinalClose']) &&
    Array.isArray(value['buckets']) &&
    value['buckets'].every((bucket) => isRecord(bucket) && typeof bucket['start'] === 'number')
  );
}

function isTickerScalars(value: unknown): value is TickerScalars {
  return (
    isRecord(value) &&
    typeof value['symbol'] === 'string' &&
    isNumberOrNull(value['headMinute']) &&
    isNumberOrNull(value['evictedThrough']) &&
    isNumberOrNull(value['baselinePrice']) &&
    typeof value['lastPrice'] === 'number' &&
    isNumberOrNull(value['lastTime'])
  );
}

function isSlotState(value: unknown): value is TickerSlotState {
  return isRecord(value) && ['minute', 'volumeUsd', 'openPrice', 'openTime', 'closePrice', 'closeTime'].every((name) => typeof value[name] === 'number');
}

import { createHash } from 'node:crypto';
import { assertKeyPrefix } from './key-prefix';

/**
 * Every Redis key, channel and BullMQ prefix mdg uses, built from one deployment prefix (e.g.
 * `mdg:`) in this one place: adapters that share a key (the engine lease, read by the lease and
 * fenced on by the state store) cannot drift apart, and a reader sees the whole layout at once.
 *
 * Hash tags (`{...}`) mark keys a single script touches together, so that on Redis Cluster
 * they land in one slot: a candle stream's records and floor share `{<instrument>:<timeframe>}`,
 * and with sharded pub/sub a bus stream's channel and snapshot share `{<stream>}`. The prefix
 * itself never holds braces (assertKeyPrefix), so it cannot change a key's slot.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** MarketBus (RedisMarketBus): a channel and a latest-envelope snapshot per stream. */
  readonly bus: {
    /** Pub/sub channel of a stream: `P bus:<stream>`, or `P bus:{<stream>}` on sharded pub/sub. */
    channel(stream: string, sharded: boolean): string;
    /** Latest envelope of a stream (string): `P latest:<stream>`, or `P latest:{<stream>}` when sharded. */
    latest(stream: string, sharded: boolean): string;
  };
  /** ConnectionRegistry: sorted set of lease ids per (pool, user), parts URI-encoded so a ':' in an id cannot merge two groups. */
  connections(pool: string, userId: string): string;
  /** ConnectionRegistry node liveness: what keeps a node's slots taken (see lease-scripts.ts). */
  readonly connectionNodes: {
    /** Sorted set: node incarnation → heartbeat expiry (ms). */
    readonly heartbeats: string;
    /** Hash of one node incarnation's members (member → group key), for reaping a dead node. */
    members(incarnation: string): string;
  };
  /** KeyStore (RedisKeyStore). */
  readonly apiKeys: {
    /** Counter raised by every change. */
    readonly version: string;
    /** Set of every stored key hash. */
    readonly index: string;
    /** Change notifications. */
    readonly events: string;
    /** Hash of one key's record, by its sha256 hex (64 characters, so never `version`, `index` or `events`). */
    record(keyHash: string): string;
    /** What record() puts before the hash: the load script builds record keys from it itself. */
    readonly recordPrefix: string;
  };
  /** Engine ownership (RedisEngineLease) and its checkpoint (RedisEngineStateStore). */
  readonly engine: {
    /** Hash {owner, epoch, token} of the live lease; the state store fences its saves on it. */
    readonly lease: string;
    /** Counter of fencing epochs handed out. */
    readonly epoch: string;
    /** Hash of candle series states. */
    readonly candles: string;
    /** Set of the symbols that have a ticker hash. */
    readonly tickers: string;
    /** Hash of one symbol's ticker state. */
    ticker(symbol: string): string;
  };
  /** TokenRegistry (RedisTokenRegistry). */
  readonly tokens: {
    /** Hash of registered tokens by address. */
    readonly registry: string;
    /** Change notifications. */
    readonly events: string;
  };
  /** The token-trade ingest stream (see ingest-stream-format.ts) and its dedup guards. */
  readonly ingest: {
    /** The stream indexers XADD to. */
    readonly trades: string;
    /** Guard of one trade identity, hashed so that untrusted ids of any length make short, safe names. */
    seen(tradeKey: string): string;
  };
  /** CandleStore (RedisCandleStore); a candle stream is `<instrument>:<timeframe>`. */
  readonly candles: {
    /** Set of every candle stream written (prune visits them). */
    readonly streams: string;
    /** Sorted set of a stream's records, scored by bucket time. */
    records(candleStream: string): string;
    /** A stream's retention floor: finals older than it may have been removed. */
    floor(candleStream: string): string;
  };
  /** BullMQ's `prefix` option for the candle queue: its keys are `<this>:<queueName>:...`. */
  readonly bull: string;
}

/** The key layout under `prefix`; throws InvalidConfigError for a prefix assertKeyPrefix refuses. */
export function redisKeys(prefix: string): RedisKeys {
  assertKeyPrefix(prefix, 'redisKeys');
  const key = (name: string): string => `${prefix}${name}`;
  return Object.freeze({
    prefix,
    bus: Object.freeze({
      channel: (stream: string, sharded: boolean) => key(sharded ? `bus:{${stream}}` : `bus:${stream}`),
      latest: (stream: string, sharded: boolean) => key(sharded ? `latest:{${stream}}` : `latest:${stream}`),
    }),
    connections: (pool: string, userId: string) => key(`conn:${encodeURIComponent(pool)}:${encodeURIComponent(userId)}`),
    // `conn-nodes` cannot collide with a group: group keys are `conn:`.
    connectionNodes: Object.freeze({
      heartbeats: key('conn-nodes'),
      members: (incarnation: string) => key(`conn-nodes:${encodeURIComponent(incarnation)}`),
    }),
    apiKeys: Object.freeze({
      version: key('keys:version'),
      index: key('keys:index'),
      events: key('keys:events'),
      record: (keyHash: string) => key(`keys:${keyHash}`),
      recordPrefix: key('keys:'),
    }),
    engine: Object.freeze({
      lease: key('engine:lease'),
      epoch: key('engine:epoch'),
      candles: key('engine:candles'),
      tickers: key('engine:tickers'),
      ticker: (symbol: string) => key(`engine:ticker:${symbol}`),
    }),
    tokens: Object.freeze({
      registry: key('tokens'),
      events: key('tokens:events'),
    }),
    ingest: Object.freeze({
      trades: key('ingest:trades'),
      seen: (tradeKey: string) => key(`ingest:seen:${createHash('sha1').update(tradeKey, 'utf8').digest('hex')}`),
    }),
    candles: Object.freeze({
      streams: key('candle-streams'),
      records: (candleStream: string) => key(`candles:{${candleStream}}`),
      floor: (candleStream: string) => key(`candle-floor:{${candleStream}}`),
    }),
    bull: key('bull'),
  });
}

import type { Envelope } from '@mdg/bus';
import type { RedisConnection, RedisReconnectOptions } from '@mdg/redis-client';

export interface RedisMarketBusOptions {
  connection: RedisConnection;
  /** Start of every key and channel name, e.g. `mdg:`; lets deployments and tests share a Redis. */
  keyPrefix: string;
  /**
   * Sharded pub/sub (SSUBSCRIBE / SPUBLISH, Redis 7+): on a Redis Cluster a message then
   * travels only within its shard instead of to every node. Key and channel names get a
   * `{stream}` hash tag so a stream's snapshot and channel share a slot. Default false.
   */
  sharded?: boolean;
  /** How long a stream's latest-state snapshot outlives its last publish. Default 24 h. */
  snapshotTtlMs?: number;
  /**
   * Refuse (neither store nor send) an envelope that is not newer than the stored snapshot
   * (lower epoch, or same epoch and seq not higher), counted as `fenced`. Requires engines to
   * raise the epoch on every restart or takeover. Default true.
   */
  fence?: boolean;
  /**
   * What publish does while the bus is disconnected:
   * - `conflate` (default): keep every final (a closed candle, see `isFinal`) and the newest
   *   other envelope per stream, and publish them in stream order on reconnect, so no final is
   *   lost and snapshots are current again at once (receivers see a seq jump for the superseded
   *   updates); superseded updates are counted as `conflated`;
   * - `drop`: discard, counted as `dropped`.
   */
  whileDisconnected?: 'conflate' | 'drop';
  /** Streams `conflate` keeps at most; publishes for further streams are dropped and counted. Default 10000. */
  maxConflatedStreams?: number;
  /** Finals `conflate` keeps at most (all streams); further finals are dropped, counted as `finalsDropped`. Default 100000. */
  maxPendingFinals?: number;
  /** Which envelopes are finals, never conflated away. Default: a payload with `closed: true` (a closed candle). */
  isFinal?: (envelope: Envelope) => boolean;
  /** Backoff between reconnection attempts. */
  reconnect?: RedisReconnectOptions;
  /** Connection name prefix shown by CLIENT LIST (`<name>-pub`, `<name>-sub`). Default `mdg-bus`. */
  name?: string;
}

export interface RedisMarketBusStats {
  /** Envelopes stored and sent by Redis. */
  published: number;
  /** Envelopes refused by the snapshot fence (stale epoch or seq). */
  fenced: number;
  /** Envelopes superseded by a newer one of their stream while disconnected (never sent). */
  conflated: number;
  /** Envelopes discarded: `drop` policy, conflation buffer full, or unsent at close. */
  dropped: number;
  /** Finals discarded because `maxPendingFinals` finals were already waiting (also in `dropped`). */
  finalsDropped: number;
  /** Publish commands that failed while connected (reported through onError too). */
  failed: number;
  /** Streams waiting in the conflation buffer for the reconnect. */
  pending: number;
  /** Finals waiting in the conflation buffer for the reconnect. */
  pendingFinals: number;
  /** Messages received from Redis for local subscribers (counted once, before the fan-out). */
  received: number;
  decodeErrors: number;
  handlerErrors: number;
  /** Times the bus went from connected to disconnected. */
  disconnects: number;
  /** Channels currently subscribed: streams with at least one local handler. */
  channels: number;
}

import type { Redis } from 'ioredis';
import type { BusState, Envelope, EnvelopeHandler, MarketBus, StreamId } from '@mdg/bus';
import { InvalidConfigError, MarketBusError, ServiceUnavailableError } from '@mdg/model';
import { closeRedisClient, createRedisClient, RedisScript } from '@mdg/redis-client';
import { BusListeners } from './bus-listeners';
import { ChannelTable } from './channel-table';
import { ConflationBuffer } from './conflation-buffer';
import { decodeEnvelope, encodeEnvelope } from './envelope-codec';
import { assertKeyPrefix } from './key-prefix';
import { PUBLISH_ENVELOPE_SCRIPT } from './market-bus-scripts';
import type { RedisMarketBusOptions, RedisMarketBusStats } from './redis-market-bus-options';
import { redisKeys, type RedisKeys } from './redis-keys';

export type { RedisMarketBusOptions, RedisMarketBusStats } from './redis-market-bus-options';

type Counters = Omit<RedisMarketBusStats, 'pending' | 'pendingFinals' | 'channels'>;

const DEFAULT_SNAPSHOT_TTL_MS = 24 * 60 * 60 * 1000;
/** About 30 MB of envelopes: a 1 s final of 1,000 streams for 100 s of outage. */
const DEFAULT_MAX_PENDING_FINALS = 100_000;

/** A candle update with `closed: true` (the bus payload is opaque; candles are what have finals). */
function isClosedCandle(envelope: Envelope): boolean {
  const payload = envelope.payload;
  return typeof payload === 'object' && payload !== null && (payload as { closed?: unknown }).closed === true;
}
const publishScript = new RedisScript(PUBLISH_ENVELOPE_SCRIPT);

/**
 * MarketBus over Redis pub/sub, one channel per stream (`<prefix>bus:<stream>`), with the
 * latest envelope of each stream in a snapshot key (`<prefix>latest:<stream>`).
 *
 * Two connections: commands (publish, snapshot reads) and a subscriber. A node subscribes a
 * stream's channel when its first local handler appears and unsubscribes when the last one
 * leaves, so it receives only what it serves. Each message is parsed once and the same
 * object is handed to every local handler.
 *
 * State is `connected` only when both connections are up and every active channel is
 * subscribed again: a listener that resyncs from `latest` on `connected` misses nothing
 * published afterwards. Both connections reconnect with backoff until close().
 */
export class RedisMarketBus implements MarketBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly keys: RedisKeys['bus'];
  private readonly sharded: boolean;
  private readonly snapshotTtlMs: number;
  private readonly fence: boolean;
  private readonly channels = new ChannelTable();
  /** Unsent envelopes while disconnected (`conflate` policy): every final, the newest other per stream. */
  private readonly pending: ConflationBuffer;
  private readonly listeners = new BusListeners();
  private readonly counters: Counters = {
    published: 0,
    fenced: 0,
    conflated: 0,
    dropped: 0,
    finalsDropped: 0,
    failed: 0,
    received: 0,
    decodeErrors: 0,
    handlerErrors: 0,
    disconnects: 0,
  };
  private currentState: BusState = 'disconnected';
  /** Publisher connected and the publish script loaded. */
  private publisherReady = false;
  /** Subscriber connected and every active channel subscribed. */
  private subscriberReady = false;
  /** Bumped on every connection loss, so a slow ready handler of a previous connection does nothing. */
  private publisherGeneration = 0;
  private subscriberGeneration = 0;
  private closed = false;

  constructor(options: RedisMarketBusOptions) {
    assertKeyPrefix(options.keyPrefix, 'RedisMarketBus');
    this.keys = redisKeys(options.keyPrefix).bus;
    this.sharded = options.sharded ?? false;
    this.snapshotTtlMs = options.snapshotTtlMs ?? DEFAULT_SNAPSHOT_TTL_MS;
    this.fence = options.fence ?? true;
    const policy = options.whileDisconnected ?? 'conflate';
    const maxConflatedStreams = options.maxConflatedStreams ?? 10_000;
    const maxPendingFinals = options.maxPendingFinals ?? DEFAULT_MAX_PENDING_FINALS;
    const problems: string[] = [];
    if (!Number.isInteger(this.snapshotTtlMs) || this.snapshotTtlMs < 1) problems.push(`snapshotTtlMs must be a positive integer, got ${this.snapshotTtlMs}`);
    if (policy !== 'conflate' && policy !== 'drop') problems.push(`whileDisconnected must be 'conflate' or 'drop', got ${String(policy)}`);
    if (!Number.isInteger(maxConflatedStreams) || maxConflatedStreams < 0)
      problems.push(`maxConflatedStreams must be a non-negative integer, got ${maxConflatedStreams}`);
    if (!Number.isInteger(maxPendingFinals) || maxPendingFinals < 0) problems.push(`maxPendingFinals must be a non-negative integer, got ${maxPendingFinals}`);
    if (problems.length > 0) throw new InvalidConfigError(problems.map((problem) => `RedisMarketBus: ${problem}`));
    this.pending = new ConflationBuffer({ policy, maxStreams: maxConflatedStreams, maxFinals: maxPendingFinals, isFinal: options.isFinal ?? isClosedCandle });

    const name = options.name ?? 'mdg-bus';
    this.publisher = createRedisClient(options.connection, `${name}-pub`, options.reconnect);
    // Resubscription is done here, not by ioredis (autoResubscribe), to know when it is
    // acknowledged; commands lost with a dropped connection are not resent, the full
    // resubscription replaces them (a resent SUBSCRIBE could revive a channel left meanwhile).
    this.subscriber = createRedisClient(options.connection, `${name}-sub`, options.reconnect, {
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
    });
    this.publisher.on('ready', () => void this.onPublisherReady());
    this.publisher.on('close', () => this.onPublisherLost());
    this.subscriber.on('ready', () => void this.onSubscriberReady());
    this.subscriber.on('close', () => this.onSubscriberLost());
    for (const client of [this.publisher, this.subscriber]) {
      // Without a listener ioredis prints every failed reconnection attempt; the state change is the signal.
      client.on('error', (error: Error) => this.report(new MarketBusError('connection', error.message, undefined, { cause: error }), false));
    }
    this.subscriber.on(this.sharded ? 'smessage' : 'message', (channel: string, message: string) => this.receive(channel, message));
  }

  /** A bus that is connected, or a ServiceUnavailableError after `connectTimeoutMs` (default 10000). */
  static async connect(options: RedisMarketBusOptions & { connectTimeoutMs?: number }): Promise<RedisMarketBus> {
    const bus = new RedisMarketBus(options);
    try {
      await bus.whenConnected(options.connectTimeoutMs ?? 10_000);
    } catch (error) {
      await bus.close();
      throw error;
    }
    return bus;
  }

  publish(envelope: Envelope): void {
    if (this.closed) return;
    if (this.currentState !== 'connected') {
      this.hold(envelope);
      return;
    }
    this.send(envelope);
  }

  subscribe(stream: StreamId, handler: EnvelopeHandler): () => void {
    if (this.closed) return () => undefined;
    const channel = this.channelOf(stream);
    const { first, remove } = this.channels.add(channel, stream, handler);
    // While disconnected nothing is sent: the resubscription on reconnect includes this channel.
    if (first && this.subscriber.status === 'ready') this.sendSubscription('subscribe', channel);
    return () => {
      if (remove() && !this.closed && this.subscriber.status === 'ready') this.sendSubscription('unsubscribe', channel);
    };
  }

  async latest(streams: readonly StreamId[]): Promise<(Envelope | undefined)[]> {
    if (this.closed) throw new ServiceUnavailableError('redis', 'the market bus is closed');
    if (streams.length === 0) return [];
    const keys = streams.map((stream) => this.latestKey(stream));
    let values: (string | null)[];
    try {
      values = this.sharded ? await this.getEach(keys) : await this.publisher.mget(...keys);
    } catch (error) {
      throw new ServiceUnavailableError('redis', `reading ${streams.length} stream snapshot(s) failed: ${(error as Error).message}`, { cause: error });
    }
    return values.map((value, index) => {
      if (value === null) return undefined;
      try {
        return decodeEnvelope(value, streams[index]);
      } catch (error) {
        this.counters.decodeErrors += 1;
        this.report(error as MarketBusError, true);
        return undefined;
      }
    });
  }

  state(): BusState {
    return this.currentState;
  }

  onStateChange(listener: (state: BusState) => void): () => void {
    return this.listeners.onStateChange(listener);
  }

  /** Background failures (connection errors, undecodable messages, throwing handlers, failed publishes). */
  onError(listener: (error: MarketBusError) => void): () => void {
    return this.listeners.onError(listener);
  }

  /** Resolves once connected; rejects with ServiceUnavailableError after `timeoutMs` or on close. */
  whenConnected(timeoutMs: number): Promise<void> {
    if (this.currentState === 'connected') return Promise.resolve();
    if (this.closed) return Promise.reject(new ServiceUnavailableError('redis', 'the market bus is closed'));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(
          new ServiceUnavailableError(
            'redis',
            `the market bus did not connect within ${timeoutMs} ms (publisher ${this.publisher.status}, subscriber ${this.subscriber.status})`,
          ),
        );
      }, timeoutMs);
      const unsubscribe = this.onStateChange((state) => {
        if (state === 'connected') {
          clearTimeout(timer);
          unsubscribe();
          resolve();
        } else if (this.closed) {
          clearTimeout(timer);
          unsubscribe();
          reject(new ServiceUnavailableError('redis', 'the market bus was closed before it connected'));
        }
      });
    });
  }

  /**
   * Resolves once Redis has processed everything this bus published before the call, and this
   * bus's handlers have received every message Redis sent them before that (one PING on each
   * connection, in order). Tests use it instead of sleeping.
   */
  async settle(): Promise<void> {
    await this.publisher.ping();
    await this.subscriber.ping();
  }

  stats(): RedisMarketBusStats {
    return { ...this.counters, pending: this.pending.size, pendingFinals: this.pending.pendingFinals, channels: this.channels.size };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.counters.dropped += this.pending.drain().length;
    this.channels.clear();
    this.setState('disconnected');
    await Promise.all([closeRedisClient(this.publisher), closeRedisClient(this.subscriber)]);
  }

  private channelOf(stream: StreamId): string {
    return this.keys.channel(stream, this.sharded);
  }

  private latestKey(stream: StreamId): string {
    return this.keys.latest(stream, this.sharded);
  }

  private send(envelope: Envelope): void {
    let json: string;
    try {
      json = encodeEnvelope(envelope);
    } catch (error) {
      this.counters.dropped += 1;
      this.report(error as MarketBusError, true);
      return;
    }
    const args = [this.channelOf(envelope.stream), json, envelope.epoch, envelope.seq, this.snapshotTtlMs, this.sharded ? '1' : '0', this.fence ? '1' : '0'];
    publishScript.run(this.publisher, [this.latestKey(envelope.stream)], args).then(
      (result) => {
        if (result === 1) this.counters.published += 1;
        else this.counters.fenced += 1;
      },
      (error: Error) => {
        if (this.publisher.status !== 'ready' && !this.closed) {
          // The connection dropped before the command could be written: keep it for the reconnect.
          this.hold(envelope);
          return;
        }
        this.counters.failed += 1;
        this.report(new MarketBusError('publish', error.message, envelope.stream, { cause: error }), true);
      },
    );
  }

  /** Keeps (or drops) an envelope published while disconnected, per the `whileDisconnected` policy. */
  private hold(envelope: Envelope): void {
    const outcome = this.pending.hold(envelope);
    if (outcome === 'conflated') this.counters.conflated += 1;
    else if (outcome === 'dropped') this.counters.dropped += 1;
    else if (outcome === 'finalDropped') {
      this.counters.dropped += 1;
      this.counters.finalsDropped += 1;
    }
  }

  private async onPublisherReady(): Promise<void> {
    const generation = this.publisherGeneration;
    try {
      await publishScript.load(this.publisher);
    } catch (error) {
      // Usually the connection dropped again; the next 'ready' retries. Otherwise Redis refuses scripts.
      if (generation === this.publisherGeneration && !this.closed)
        this.report(new MarketBusError('publish', `loading the publish script failed: ${(error as Error).message}`, undefined, { cause: error }), true);
      return;
    }
    if (generation !== this.publisherGeneration || this.closed) return;
    this.publisherReady = true;
    this.updateState();
  }

  private onPublisherLost(): void {
    this.publisherGeneration += 1;
    this.publisherReady = false;
    this.updateState();
  }

  private async onSubscriberReady(): Promise<void> {
    const generation = this.subscriberGeneration;
    const channels = this.channels.names();
    try {
      if (this.sharded) await Promise.all(channels.map((channel) => this.subscriber.ssubscribe(channel)));
      else if (channels.length > 0) await this.subscriber.subscribe(...channels);
    } catch (error) {
      if (generation !== this.subscriberGeneration || this.closed) return;
      this.report(
        new MarketBusError('subscribe', `resubscribing ${channels.length} channel(s) failed: ${(error as Error).message}`, undefined, { cause: error }),
        true,
      );
      // Reconnect to try again rather than run half-subscribed while claiming to be connected.
      this.subscriber.disconnect(true);
      return;
    }
    if (generation !== this.subscriberGeneration || this.closed) return;
    this.subscriberReady = true;
    this.updateState();
  }

  private onSubscriberLost(): void {
    this.subscriberGeneration += 1;
    this.subscriberReady = false;
    this.updateState();
  }

  private sendSubscription(kind: 'subscribe' | 'unsubscribe', channel: string): void {
    const generation = this.subscriberGeneration;
    const command =
      kind === 'subscribe'
        ? this.sharded
          ? this.subscriber.ssubscribe(channel)
          : this.subscriber.subscribe(channel)
        : this.sharded
          ? this.subscriber.sunsubscribe(channel)
          : this.subscriber.unsubscribe(channel);
    command.catch((error: Error) => {
      // A connection lost meanwhile is not a failure: the resubscription after reconnect restores the set.
      if (generation !== this.subscriberGeneration || this.subscriber.status !== 'ready' || this.closed) return;
      this.report(new MarketBusError('subscribe', `${kind} ${channel} failed: ${error.message}`, undefined, { cause: error }), true);
    });
  }

  private receive(channel: string, message: string): void {
    const state = this.channels.get(channel);
    // No local handler any more: the UNSUBSCRIBE is on its way.
    if (state === undefined) return;
    this.counters.received += 1;
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(message, state.stream);
    } catch (error) {
      this.counters.decodeErrors += 1;
      this.report(error as MarketBusError, true);
      return;
    }
    for (const handler of state.handlers) {
      try {
        handler(envelope);
      } catch (error) {
        // ioredis would rethrow it as an uncaught exception; one bad handler must not stop the others.
        this.counters.handlerErrors += 1;
        this.report(new MarketBusError('handler', `a subscriber threw: ${String(error)}`, state.stream, { cause: error }), true);
      }
    }
  }

  private updateState(): void {
    if (this.closed) return;
    this.setState(this.publisherReady && this.subscriberReady ? 'connected' : 'disconnected');
  }

  private setState(next: BusState): void {
    if (next === this.currentState) return;
    this.currentState = next;
    if (next === 'disconnected' && !this.closed) this.counters.disconnects += 1;
    if (next === 'connected') {
      // Before the listeners run, so a listener that resyncs from `latest` reads these too
      // (same connection, so Redis processes them first).
      for (const envelope of this.pending.drain()) this.send(envelope);
    }
    this.listeners.notifyState(next);
  }

  private async getEach(keys: readonly string[]): Promise<(string | null)[]> {
    // Sharded mode targets Redis Cluster, where one MGET may not span slots: one GET per key, pipelined.
    const pipeline = this.publisher.pipeline();
    for (const key of keys) pipeline.get(key);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      return value as string | null;
    });
  }

  private report(error: MarketBusError, warnWhenUnheard: boolean): void {
    this.listeners.report(error, warnWhenUnheard);
  }
}

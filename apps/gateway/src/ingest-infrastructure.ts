import type { Feed } from '@mdg/feeds';
import { PushTradeFeed } from '@mdg/ingest';
import type { Clock, InstrumentRegistry, Trade } from '@mdg/model';
import { RedisEngineStateStore, RedisStreamTradeFeed, RedisTokenRegistry, xaddTrades } from '@mdg/redis';
import type { EngineStateStore } from '@mdg/pipeline';
import { closeRedisClient, createRedisClient } from '@mdg/redis-client';
import { FileTokenRegistry } from '@mdg/local-store';
import { trackRegisteredTokens, type TokenRegistry } from '@mdg/tokens';
import type { GatewayConfig } from '@mdg/config';

/**
 * Tracked tokens and the on-chain trade ingest paths, per mode. Embedded: POST /ingest/trades
 * pushes straight into the engine's feed. With Redis: edges XADD to the ingest stream and the
 * active engine consumes it with a consumer group. An entry is acknowledged by the engine
 * checkpoint that holds its trade (the feed records it in the state store's ack ledger), so a
 * kill -9 of the owner loses no acknowledged trade; a new owner takes over every pending entry
 * at once, and redeliveries are deduplicated.
 */
export interface IngestInfrastructure {
  readonly tokens: TokenRegistry;
  /** The ingest feed for one engine promotion; undefined when MDG_FEED has no `ingest`. */
  createFeed(): Feed | undefined;
  /** Where the HTTP route hands valid trades; undefined when ingest is off. */
  readonly onTrades: ((trades: Trade[]) => Promise<void> | void) | undefined;
  close(): Promise<void>;
}

export async function createIngestInfrastructure(
  config: GatewayConfig,
  registry: InstrumentRegistry,
  clock: Clock,
  log: (line: string) => void,
  /** The engine's state store (Redis mode, engine role): its checkpoints acknowledge the ingest entries. */
  stateStore?: EngineStateStore,
): Promise<IngestInfrastructure> {
  const tokens: TokenRegistry = config.redisUrl
    ? await RedisTokenRegistry.open({ connection: config.redisUrl, keyPrefix: config.redisKeyPrefix })
    : await FileTokenRegistry.open({ path: config.tokensFile });
  const stopTracking = await trackRegisteredTokens(tokens, registry, (error) => log(`tokens: ${error.message}`));
  const closeTokens = async () => {
    stopTracking();
    await tokens.close();
  };
  if (!config.ingest) return { tokens, createFeed: () => undefined, onTrades: undefined, close: closeTokens };

  if (config.redisUrl === undefined) {
    // One process, one promotion: the same push feed serves the HTTP route and the engine.
    const push = new PushTradeFeed();
    return {
      tokens,
      createFeed: () => push,
      onTrades: (trades) => {
        push.push(trades);
      },
      close: closeTokens,
    };
  }
  const connection = config.redisUrl;
  const acks = stateStore instanceof RedisEngineStateStore ? stateStore.acks : undefined;
  const client = config.roles.has('edge') ? createRedisClient(connection, `mdg-ingest-${config.nodeId}`, undefined) : undefined;
  return {
    tokens,
    createFeed: () =>
      new RedisStreamTradeFeed({
        connection,
        keyPrefix: config.redisKeyPrefix,
        registry,
        clock,
        consumer: config.nodeId,
        autoTrack: config.autoTrack,
        tokens,
        acks,
        // A feed is created per promotion: it first takes over what the former owner left
        // unsaved. Later, entries read by a deposed owner that had not noticed yet are
        // taken once idle for a lease TTL (its checkpoints can no longer acknowledge them).
        takeOverPending: acks !== undefined,
        claimIdleMs: acks ? Math.max(1000, config.engineLeaseTtlMs) : undefined,
      }),
    onTrades: client ? async (trades) => void (await xaddTrades(client, config.redisKeyPrefix, trades, { maxLen: 1_000_000 })) : undefined,
    close: async () => {
      if (client) await closeRedisClient(client);
      await closeTokens();
    },
  };
}

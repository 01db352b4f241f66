import type { Feed } from '@mdg/feeds';
import { PushTradeFeed } from '@mdg/ingest';
import type { Clock, InstrumentRegistry, Trade } from '@mdg/model';
import { RedisStreamTradeFeed, RedisTokenRegistry, xaddTrades } from '@mdg/redis';
import { closeRedisClient, createRedisClient } from '@mdg/redis-client';
import { FileTokenRegistry } from '@mdg/local-store';
import { trackRegisteredTokens, type TokenRegistry } from '@mdg/tokens';
import type { GatewayConfig } from '@mdg/config';

/**
 * Tracked tokens and the on-chain trade ingest paths, per mode. Embedded: POST /ingest/trades
 * pushes straight into the engine's feed. With Redis: edges XADD to the ingest stream and the
 * active engine consumes it with a consumer group (acknowledged after the engine applied the
 * trade; redeliveries deduplicated).
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
  const client = config.roles.has('edge') ? createRedisClient(connection, `mdg-ingest-${config.nodeId}`, undefined) : undefined;
  return {
    tokens,
    createFeed: () =>
      new RedisStreamTradeFeed({ connection, keyPrefix: config.redisKeyPrefix, registry, clock, consumer: config.nodeId, autoTrack: config.autoTrack, tokens }),
    onTrades: client ? async (trades) => void (await xaddTrades(client, config.redisKeyPrefix, trades, { maxLen: 1_000_000 })) : undefined,
    close: async () => {
      if (client) await closeRedisClient(client);
      await closeTokens();
    },
  };
}

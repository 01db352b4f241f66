import { Redis } from 'ioredis';
import { describeFeedContract } from '@mdg/feeds/testing';
import { InstrumentRegistry } from '@mdg/model';
import { closeRedisClient } from '@mdg/redis-client';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { ingestStreamKey } from './ingest-stream-format';
import { RedisStreamTradeFeed } from './redis-stream-trade-feed';
import { INGEST_TEST_TOKENS, ingestTestTrades } from './testing/ingest-fixtures';
import { xaddTrades } from './xadd-trades';

// One redis-server for the file; every contract test gets a fresh feed on its own key prefix.
let server: RedisServerHandle;
let writer: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  writer = new Redis(server.url);
});

afterAll(async () => {
  await closeRedisClient(writer);
  await server.stop();
});

describeFeedContract(
  'RedisStreamTradeFeed (real redis-server)',
  () => {
    const keyPrefix = uniquePrefix('stream-contract');
    const feed = new RedisStreamTradeFeed({
      connection: server.url,
      keyPrefix,
      registry: new InstrumentRegistry(INGEST_TEST_TOKENS),
      blockMs: 50,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    let next = 0;
    return {
      feed,
      // What an indexer does: XADD a trade (a fresh identity each time, so none is skipped as a duplicate).
      produce: async () => {
        const [trade] = ingestTestTrades(1, Date.now());
        await xaddTrades(writer, keyPrefix, [{ ...trade!, tradeId: `contract-${next++}` }]);
      },
      // An entry whose `trade` field is not JSON: rejected as InvalidFeedInputError and acknowledged.
      produceInvalid: async () => {
        await writer.xadd(ingestStreamKey(keyPrefix), '*', 'trade', '{not json');
      },
    };
  },
  // Real sockets and a consumer group created on first read: more than the in-memory feeds need.
  { timeoutMs: 10_000 },
);

/**
 * A stand-alone ingest consumer for crash tests: runs a RedisStreamTradeFeed and prints
 * `applied <tradeId>` for every trade it applies — written synchronously, so whatever it
 * printed before a SIGKILL reaches the test — then `live` once it consumes. With `stallAt`, the
 * process freezes inside onTrade of that trade (printing `stalled`): killed then, it dies with
 * a batch applied in part and acknowledged not at all — the case exactly-once must survive.
 * argv: redisUrl keyPrefix consumer batchSize tokensJson [stallAt]
 */
import { writeSync } from 'node:fs';
import { InstrumentRegistry, type TokenDefinition } from '@mdg/model';
import { RedisStreamTradeFeed } from '../redis-stream-trade-feed';

async function main(): Promise<void> {
  const [url, keyPrefix, consumer, batchSize, tokensJson, stallAt] = process.argv.slice(2);
  if (!url || !keyPrefix || !consumer || !batchSize || !tokensJson)
    throw new Error('usage: stream-consumer-process <redisUrl> <keyPrefix> <consumer> <batchSize> <tokensJson>');
  const registry = new InstrumentRegistry(JSON.parse(tokensJson) as TokenDefinition[]);
  // claimIdleMs far beyond the test: this process only consumes what it reads itself.
  const feed = new RedisStreamTradeFeed({
    connection: url,
    keyPrefix,
    registry,
    consumer,
    name: consumer,
    batchSize: Number(batchSize),
    blockMs: 100,
    claimIdleMs: 600_000,
  });
  let count = 0;
  await feed.start({
    onTrade: (trade) => {
      writeSync(1, `applied ${trade.tradeId}\n`);
      count += 1;
      if (stallAt === undefined || count !== Number(stallAt)) return;
      writeSync(1, 'stalled\n');
      // Blocks this (only) thread for good without burning CPU, as an engine hung mid-batch would.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    },
    onError: (error) => writeSync(2, `error ${error.message}\n`),
  });
  const waitLive = setInterval(() => {
    if (feed.state() !== 'live') return;
    clearInterval(waitLive);
    writeSync(1, 'live\n');
  }, 10);
  // The feed's connection keeps the process alive until the test kills it.
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

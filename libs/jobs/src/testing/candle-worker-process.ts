/**
 * A stand-alone worker node for crash tests: a CandleWorker writing into a RedisCandleStore
 * one candle at a time, slowly, so a test can SIGKILL it in the middle of a job. Prints
 * `ready`, then `wrote <time>` after every candle.
 * argv: queueUrl storeUrl bullPrefix queueName keyPrefix msPerCandle lockDurationMs
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { CandleRange, CandleRangeQuery, CandleStore, FinalCandle, PruneResult } from '@mdg/history';
import { CandleWorker } from '../candle-worker';
import { RedisCandleStore } from '@mdg/redis';

class SlowStore implements CandleStore {
  constructor(
    private readonly inner: CandleStore,
    private readonly msPerCandle: number,
  ) {}

  async upsert(candles: readonly FinalCandle[]): Promise<void> {
    for (const final of candles) {
      await delay(this.msPerCandle);
      await this.inner.upsert([final]);
      process.stdout.write(`wrote ${final.candle.time}\n`);
    }
  }

  range(instrument: string, timeframe: number, query: CandleRangeQuery): Promise<CandleRange> {
    return this.inner.range(instrument, timeframe, query);
  }

  prune(now: number): Promise<PruneResult> {
    return this.inner.prune(now);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function main(): Promise<void> {
  const [queueUrl, storeUrl, prefix, queueName, keyPrefix, msPerCandle, lockDurationMs] = process.argv.slice(2);
  if (!queueUrl || !storeUrl || !prefix || !queueName || !keyPrefix || !msPerCandle || !lockDurationMs) {
    throw new Error('usage: candle-worker-process <queueUrl> <storeUrl> <bullPrefix> <queueName> <keyPrefix> <msPerCandle> <lockDurationMs>');
  }
  const store = new SlowStore(await RedisCandleStore.connect({ connection: storeUrl, keyPrefix }), Number(msPerCandle));
  await CandleWorker.start({
    connection: queueUrl,
    store,
    prefix,
    queueName,
    retentionEveryMs: false,
    lockDurationMs: Number(lockDurationMs),
    stalledIntervalMs: Number(lockDurationMs),
    onError: (error) => process.stderr.write(`${error.message}\n`),
  });
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { BullClosedCandleQueue } from './bull-closed-candle-queue';
import { CandleWorker } from './candle-worker';
import { RedisCandleStore } from '@mdg/redis';
import { streamUpdates, T0, uniqueQueue } from './testing/candle-job-fixtures';

/** A worker process SIGKILLed in the middle of a job, then another worker takes over. */
describe('CandleWorker killed mid-batch', () => {
  let server: RedisServerHandle;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await server.stop();
  });

  it('ends with every candle stored exactly once after the restart', async () => {
    const names = uniqueQueue(uniquePrefix('crash'));
    const LOCK_MS = 1000;
    const lines: string[] = [];
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(__dirname, 'testing', 'candle-worker-process.ts'),
        server.url,
        server.url,
        names.prefix,
        names.queueName,
        names.keyPrefix,
        '15',
        String(LOCK_MS),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // 'close', not 'exit': by then every line the child printed has been read.
    const exited = new Promise<void>((resolve) => child!.once('close', () => resolve()));
    await eventually(async () => lines.includes('ready') || child!.exitCode !== null, { timeoutMs: 20_000, what: 'the worker process ready' });
    expect(stderr).toBe('');

    const queue = new BullClosedCandleQueue({ connection: server.url, ...names, maxBatch: 50 });
    const store = await RedisCandleStore.connect({ connection: server.url, keyPrefix: names.keyPrefix });
    const raw = new Redis(server.url);
    let worker: CandleWorker | undefined;
    try {
      // Three jobs of 50; the first is taken by the slow child, 15 ms a candle.
      const all = streamUpdates('AAA', 1, 0, 150);
      queue.enqueue(all.slice(0, 50).flat());
      await queue.flush();
      queue.enqueue(all.slice(50).flat());
      await queue.flush();
      await eventually(async () => lines.filter((line) => line.startsWith('wrote')).length >= 10, {
        timeoutMs: 10_000,
        what: 'ten candles written by the child',
      });
      child.kill('SIGKILL');
      await exited;
      const writtenBeforeKill = lines.filter((line) => line.startsWith('wrote')).length;
      expect(writtenBeforeKill).toBeLessThan(50);
      // The kill may land between a write and its line: at most one more stored than printed.
      const storedBeforeRestart = (await store.range('AAA', 1, { limit: 1000 })).candles.length;
      expect(storedBeforeRestart - writtenBeforeKill).toBeGreaterThanOrEqual(0);
      expect(storedBeforeRestart - writtenBeforeKill).toBeLessThanOrEqual(1);

      // The job stays locked to the dead worker until its lock expires, then runs again here.
      worker = await CandleWorker.start({ connection: server.url, ...names, store, retentionEveryMs: false, lockDurationMs: LOCK_MS, stalledIntervalMs: 250 });
      await eventually(async () => (await store.range('AAA', 1, { limit: 1000 })).candles.length === 150, {
        timeoutMs: 20_000,
        what: 'all 150 candles stored',
      });
      const stored = await store.range('AAA', 1, { limit: 1000 });
      expect(stored.candles.map((c) => c.time)).toEqual(all.map((batch) => batch[1]!.candle.time));
      expect(stored.coversFrom).toBe(T0);
      // One record per bucket, the half-written job's first candles included.
      expect(await raw.zcard(`${names.keyPrefix}candles:{AAA:1}`)).toBe(150);
      expect(worker.stats().jobs).toBe(3);
    } finally {
      raw.disconnect();
      await worker?.close();
      await queue.close();
      await store.close();
    }
  }, 60_000);
});

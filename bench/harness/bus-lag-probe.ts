/**
 * Bus lag in the Redis mode: a third subscriber on every bus channel (`<prefix>bus:*`) that
 * measures now − envelope.publishedAt (the engine's clock, same machine). Control like the
 * load generator: `start` / `stop` on stdin; `stop` prints {"event":"lag",p50,p99,p999,count} (ms).
 */
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { preciseNow } from '@mdg/bus';

const url = process.env['REDIS_URL'];
const prefix = process.env['BENCH_PREFIX'] ?? 'mdg:';
if (url === undefined) throw new Error('REDIS_URL is required');
const client = new Redis(url);
let samples: number[] = [];
let open = false;

client.on('pmessage', (_pattern: string, _channel: string, message: string) => {
  if (!open) return;
  const publishedAt = (JSON.parse(message) as { publishedAt?: unknown }).publishedAt;
  if (typeof publishedAt === 'number') samples.push(preciseNow() - publishedAt);
});
client.psubscribe(`${prefix}bus:*`).then(
  () => console.log('{"event":"subscribed"}'),
  (error: unknown) => {
    console.error(`bus-lag probe: ${String(error)}`);
    process.exit(1);
  },
);

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'start') {
    samples = [];
    open = true;
  } else if (line === 'stop') {
    open = false;
    const sorted = samples.sort((a, b) => a - b);
    console.log(JSON.stringify({ event: 'lag', count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), p999: quantile(sorted, 0.999) }));
  }
});
process.once('SIGTERM', () => {
  client.disconnect();
  process.exit(0);
});

/**
 * What every reference server of `npm run bench` shares: the same messages as the gateway
 * (same fields, same order, same size within a few bytes, stamped like MDG_BENCH_STAMP), the
 * same publish cadence (see startPublisher), and the same control on stdin. The references do nothing
 * else: no auth, no limits, no slow-client handling — they are the bare cost of fan-out.
 */
import { createInterface } from 'node:readline';

export interface ReferenceArgs {
  port: number;
  periodMs: number;
  /** raw: `tokenAddress:timeframe` per stream; sio: symbols. */
  streams: string[];
}

export function referenceArgs(): ReferenceArgs {
  const port = Number(process.env['PORT'] ?? 0);
  const periodMs = Number(process.env['BENCH_PERIOD_MS'] ?? 1000);
  const streams = (process.env['BENCH_STREAMS'] ?? '').split(',').filter((stream) => stream.length > 0);
  if (!Number.isInteger(port) || !(periodMs >= 1) || streams.length === 0) throw new Error('set PORT, BENCH_PERIOD_MS and BENCH_STREAMS');
  return { port, periodMs, streams };
}

/** CLOCK_MONOTONIC ms (uv_hrtime), what the load generator compares its own monotonic clock with. */
export function preciseNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Calls `publish(index, seq)` for every active stream once per period, seq counting per stream
 * from 1, with the gateway's semantics under the harness: trades every `period` ms on an
 * absolute schedule, checked by a 1 ms timer (the gateway's coalescing interval); a timer more
 * than a period late publishes once for all the periods it missed (the gateway coalesces them
 * the same way). stdin: `period <ms>`, `active 0,2,5` / `active -`.
 */
export function startPublisher(args: ReferenceArgs, publish: (index: number, seq: number) => void): void {
  const seqs = new Array<number>(args.streams.length).fill(0);
  let active: number[] = [];
  let periodMs = args.periodMs;
  let origin = performance.now();
  let done = 0;
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command, value = ''] = line.trim().split(/\s+/);
    if (command === 'active') {
      active =
        value === '-'
          ? []
          : value
              .split(',')
              .map(Number)
              .filter((index) => Number.isInteger(index) && index >= 0 && index < args.streams.length);
    } else if (command === 'period' && Number(value) > 0) {
      periodMs = Number(value);
      origin = performance.now();
      done = 0;
    }
  });
  setInterval(() => {
    const due = Math.floor((performance.now() - origin) / periodMs);
    if (due <= done) return;
    done = due;
    for (const index of active) {
      seqs[index] = (seqs[index] ?? 0) + 1;
      publish(index, seqs[index]);
    }
  }, 1);
}

const QUOTE = 'So11111111111111111111111111111111111111112';

/** A `/ws/chart-live` chart event shaped and sized like the gateway's (encodeChartEvent with the bench stamp). */
export function chartEvent(stream: string, seq: number): string {
  const [tokenAddress = '', timeframe = '1'] = stream.split(':');
  const tf = Number(timeframe);
  const now = preciseNow();
  const time = Math.floor(Date.now() / (tf * 1000)) * tf * 1000;
  const price = 0.0000874 * (1 + (seq % 1000) * 1e-6);
  return JSON.stringify({
    event: 'chart',
    tokenAddress,
    quoteToken: QUOTE,
    timeframe: tf,
    candle: {
      time,
      datetime: new Date(time).toISOString(),
      open: 0.0000875453587,
      high: price * 1.0001,
      low: price * 0.9999,
      close: price,
      volume: 1853563789 + seq,
      volumeUsd: 0.16227339267092597,
      trades: 366,
      buys: 185,
      sells: 181,
      closed: false,
    },
    seq,
    t: now,
    tp: now,
  });
}

/** A `price-update` payload shaped and sized like the gateway's (MarketUpdate + seq + bench stamp). */
export function priceUpdate(symbol: string, seq: number): Record<string, unknown> {
  const now = preciseNow();
  return {
    symbol,
    price: 87250.50123 + (seq % 1000) * 0.01,
    volume: 12500000000.123456,
    timestamp: Math.floor(Date.now() / 1000),
    change: 1250.3012345678,
    changePercent: 1.4534567891234,
    seq,
    t: now,
    tp: now,
  };
}

export const CONNECTED =
  '{"type":"connected","message":"Connected to ChartLive WebSocket. Send a JSON object with \\"tokenAddress\\" and optional \\"timeframe\\"."}';

export function confirmation(tokenAddress: string, timeframe: number): string {
  return JSON.stringify({ type: 'subscriptionConfirmed', message: `Subscribed to ${tokenAddress} with ${timeframe}s timeframe` });
}

/** Parses a subscription message the way the gateway accepts it (minimal: no validation beyond shape). */
export function parseSubscription(text: string): { tokenAddress: string; timeframe: number } | undefined {
  try {
    const body = JSON.parse(text) as { tokenAddress?: unknown; timeframe?: unknown };
    if (typeof body.tokenAddress !== 'string') return undefined;
    return { tokenAddress: body.tokenAddress, timeframe: typeof body.timeframe === 'number' ? body.timeframe : 60 };
  } catch {
    return undefined;
  }
}

/** The line the harness waits for (the gateway prints the same). */
export function announce(name: string, port: number): void {
  console.log(`${name} listening on http://localhost:${port}`);
}

/** SIGTERM/SIGINT: exit normally, so --cpu-prof writes its profile. */
export function exitOnSignals(close: () => void = () => undefined): void {
  const stop = () => {
    close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

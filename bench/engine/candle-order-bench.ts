/**
 * npm run bench:candle-order — the cost of the candle order rule: how late a new bucket's first
 * live update goes out (measured from the bucket's first trade's arrival) for several grace
 * values, next to the late trades each grace keeps. Grace 0 is the old behaviour's latency: before
 * the order rule a first update never waited for the grace. Not a test: a seeded simulation on the
 * real engine with a virtual clock (the pipeline's 100 ms collect cadence); it prints a table and
 * rewrites the "Candle order" section of BENCHMARKS.md and bench/benchmarks-notes.md (the notes are
 * appended to every full report, so bench/run-bench.ts keeps the section).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CandleEngine } from '@mdg/engine';
import { InstrumentRegistry, type CandleUpdate, type Trade } from '@mdg/model';

const ROOT = path.resolve(__dirname, '../..');
const MINUTES = Number(process.env['BENCH_MINUTES'] ?? 30);
const TRADES_PER_SECOND = 8; // per instrument: a busy token
const INSTRUMENTS = ['BTC', 'ETH', 'SOL', 'DOGE'];
const TIMEFRAMES = [1, 5, 60];
const COLLECT_MS = 100; // MDG_CANDLE_INTERVAL_MS default
const GRACES = [0, 100, 250, 1000, 2000];
const T0 = Date.UTC(2026, 3, 1);
const BEGIN = '<!-- candle-order:begin -->';
const END = '<!-- candle-order:end -->';

/** Arrival = trade time + a delay: ordered feeds a few ms, on-chain ingest up to ~1.5 s, reordering trades. */
const PROFILES = {
  'ordered feed (delay 5-50 ms)': (random: () => number) => 5 + random() * 45,
  'ingest (delay 0.2-1.5 s)': (random: () => number) => 200 + random() * 1300,
} as const;

/** Mulberry32: a seeded PRNG so every run measures the same market. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function trades(delay: (random: () => number) => number): { trade: Trade; arrival: number }[] {
  const random = seeded(13);
  const out: { trade: Trade; arrival: number }[] = [];
  for (const instrument of INSTRUMENTS) {
    let time = T0;
    const end = T0 + MINUTES * 60_000;
    while (time < end) {
      time += Math.max(1, Math.round((-Math.log(1 - random()) * 1000) / TRADES_PER_SECOND)); // Poisson arrivals
      const trade: Trade = {
        instrument,
        price: 100 + random(),
        size: 1,
        side: random() < 0.5 ? 'buy' : 'sell',
        time,
        tradeId: `${instrument}${time}`,
        source: 'bench',
      };
      out.push({ trade, arrival: time + Math.round(delay(random)) });
    }
  }
  return out.sort((a, b) => a.arrival - b.arrival);
}

interface Row {
  p50: number;
  p99: number;
  max: number;
  lateTrades: number;
  backwards: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function run(input: { trade: Trade; arrival: number }[], graceMs: number): Row {
  const engine = new CandleEngine(new InstrumentRegistry(), { timeframes: TIMEFRAMES, graceMs });
  const firstArrival = new Map<string, number>();
  const firstShown = new Map<string, number>();
  const newest = new Map<string, number>();
  let backwards = 0;
  const record = (updates: CandleUpdate[], now: number) => {
    for (const update of updates) {
      const stream = `${update.instrument}|${update.timeframe}`;
      if (update.candle.time < (newest.get(stream) ?? 0)) backwards += 1;
      newest.set(stream, update.candle.time);
      const key = `${stream}|${update.candle.time}`;
      if (!firstShown.has(key)) firstShown.set(key, now);
    }
  };
  let next = 0;
  const end = input[input.length - 1]!.arrival + 10_000;
  for (let now = T0; now <= end; now += COLLECT_MS) {
    for (; next < input.length && input[next]!.arrival <= now; next += 1) {
      const { trade, arrival } = input[next]!;
      engine.apply(trade, arrival);
      for (const tf of TIMEFRAMES) {
        const key = `${trade.instrument}|${tf}|${trade.time - (trade.time % (tf * 1000))}`;
        if (!firstArrival.has(key)) firstArrival.set(key, arrival);
      }
    }
    record(engine.collect(now), now);
  }
  const delays = [...firstShown].map(([key, shown]) => shown - firstArrival.get(key)!).sort((a, b) => a - b);
  const late = Object.values(engine.stats().lateByTimeframe).reduce((sum, count) => sum + count, 0);
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays[delays.length - 1] ?? 0, lateTrades: late, backwards };
}

function main(): void {
  const lines = [
    BEGIN,
    '## Candle order: cost of the grace',
    '',
    `Written by \`npm run bench:candle-order\` (bench/engine/candle-order-bench.ts): the real CandleEngine, a seeded market of ${INSTRUMENTS.length} instruments × ${TRADES_PER_SECOND} trades/s (Poisson) over ${MINUTES} simulated minutes, timeframes ${TIMEFRAMES.join(', ')} s, collected every ${COLLECT_MS} ms as the pipeline does. **Delay** = when a bucket's first live update goes out minus when its first trade arrived. A stream never goes back in time because a bucket's updates wait until its start + grace (the previous bucket's final goes first), so the grace is the price; grace 0 is also the old behaviour's latency (before the order rule a first update never waited). **Late** = (trade, timeframe) pairs dropped as too late (what a larger grace buys). **Backwards** = candles older than one already sent on the stream (must be 0).`,
    '',
    '| arrivals | grace | delay p50 | delay p99 | delay max | added p99 vs grace 0 | late (trade × tf) | backwards |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, delay] of Object.entries(PROFILES)) {
    const input = trades(delay);
    const rows = GRACES.map((grace) => ({ grace, row: run(input, grace) }));
    const base = rows[0]!.row.p99;
    for (const { grace, row } of rows) {
      lines.push(`| ${name} | ${grace} ms | ${row.p50} ms | ${row.p99} ms | ${row.max} ms | +${row.p99 - base} ms | ${row.lateTrades} | ${row.backwards} |`);
    }
  }
  lines.push(
    '',
    'Reading: the added delay is bounded by the grace and is paid by the first update of a bucket only (later updates of the same bucket flow at the coalescing cadence); for ordered feeds 100 ms already drops nothing in this simulated profile, and 250 ms (under ¼ s added, once per bucket) leaves room for the lag spikes of real venue sockets, which is why it is their default (`MDG_CANDLE_GRACE_FEED_MS`), while ingested on-chain trades need ~2 s (`MDG_CANDLE_GRACE_INGEST_MS`) not to lose late trades.',
    END,
  );
  const section = lines.join('\n');
  console.log(section);
  for (const file of [path.join(ROOT, 'BENCHMARKS.md'), path.join(ROOT, 'bench/benchmarks-notes.md')]) {
    const text = fs.readFileSync(file, 'utf8');
    const start = text.indexOf(BEGIN);
    const stop = text.indexOf(END);
    const updated = start >= 0 && stop > start ? text.slice(0, start) + section + text.slice(stop + END.length) : `${text.trimEnd()}\n\n${section}\n`;
    fs.writeFileSync(file, updated);
  }
}

main();

/**
 * npm run bench:engine — trades/s through the ticker + candle engines (all 11 timeframes)
 * with the simulator's trade mix, next to a deliberately naive implementation measured in
 * the same run. Not a test: it measures and prints a table (and writes JSON under
 * bench/results/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MarketEngine } from '@mdg/engine';
import { MarketSimulator, SIMULATED_TOKENS } from '@mdg/feeds';
import { InstrumentRegistry, type Trade } from '@mdg/model';
import { NaiveMarketEngine } from './naive-market-engine';

const TRADES = Number(process.env['BENCH_TRADES'] ?? 2_000_000);
const REPEATS = Number(process.env['BENCH_REPEATS'] ?? 3);
const COLLECT_EVERY = 10_000; // ~100 ms of market time at 100k trades/s: the publish cadence
const TARGET_TRADES_PER_SECOND = 1_000_000;
/** The naive engine is ~50× slower: it runs on a prefix (which only flatters it: smaller windows). */
const NAIVE_TRADES = Math.min(TRADES, 200_000);
const T0 = Date.UTC(2026, 3, 1);

interface Engine {
  apply(trade: Trade): void;
  collect(nowMs: number): number;
}

interface Run {
  tradesPerSecond: number;
  heapBytes: number;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with --expose-gc (npm run bench:engine does)');
  collect();
  collect();
}

function measure(make: () => Engine, trades: readonly Trade[]): Run {
  gc();
  // Typed arrays live outside the JS heap: count them too.
  const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const heapBefore = memory();
  const engine = make();
  const started = process.hrtime.bigint();
  for (let index = 0; index < trades.length; index += 1) {
    const trade = trades[index]!;
    engine.apply(trade);
    if (index % COLLECT_EVERY === COLLECT_EVERY - 1) engine.collect(trade.time);
  }
  engine.collect(trades[trades.length - 1]!.time + 86_400_000);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  gc();
  const heapBytes = memory() - heapBefore;
  // Keep the engine alive until after the heap reading.
  if (engine.collect(0) < 0) console.log('unreachable');
  return { tradesPerSecond: trades.length / seconds, heapBytes };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function main(): void {
  const registry = new InstrumentRegistry(SIMULATED_TOKENS);
  const instrumentCount = registry.all().length;
  const simulator = new MarketSimulator({ seed: 7, tradesPerSecond: 100_000, startTimeMs: T0 });
  const trades = Array.from({ length: TRADES }, () => simulator.next());

  const candidates: Record<string, () => Engine> = {
    'mdg MarketEngine (validated trades)': () => {
      const engine = new MarketEngine(registry);
      return {
        apply: (trade) => engine.applyValidated(trade, trade.time),
        collect: (now) => {
          const batch = engine.collect(now);
          return batch.prices.length + batch.candles.length;
        },
      };
    },
    'mdg MarketEngine (with boundary validation)': () => {
      const engine = new MarketEngine(registry);
      return {
        apply: (trade) => void engine.ingest(trade, trade.time),
        collect: (now) => {
          const batch = engine.collect(now);
          return batch.prices.length + batch.candles.length;
        },
      };
    },
    'naive reference': () => {
      const engine = new NaiveMarketEngine(registry);
      return { apply: (trade) => engine.apply(trade), collect: (now) => engine.collect(now) };
    },
  };

  const results: Record<string, { runs: Run[] }> = {};
  // Interleave repeats so drift (thermal, other load) hits every candidate alike.
  for (let repeat = 0; repeat < REPEATS; repeat += 1) {
    for (const [name, make] of Object.entries(candidates)) {
      const input = name === 'naive reference' ? trades.slice(0, NAIVE_TRADES) : trades;
      (results[name] ??= { runs: [] }).runs.push(measure(make, input));
    }
  }

  const naive = median(results['naive reference']!.runs.map((run) => run.tradesPerSecond));
  const lines = [
    `Engine benchmark: ${TRADES.toLocaleString('en-US')} simulated trades (naive reference: first ${NAIVE_TRADES.toLocaleString('en-US')}), ${instrumentCount} instruments, 11 timeframes + 24 h ticker, collect every ${COLLECT_EVERY.toLocaleString('en-US')} trades, ${REPEATS} runs each (median, spread = (max-min)/median), Node ${process.version}, one thread.`,
    '',
    '| implementation | trades/s (median) | spread | vs naive | memory per instrument (heap + typed arrays) |',
    '|---|---:|---:|---:|---:|',
  ];
  const json: Record<string, unknown> = {};
  for (const [name, { runs }] of Object.entries(results)) {
    const rates = runs.map((run) => run.tradesPerSecond);
    const mid = median(rates);
    const spread = (Math.max(...rates) - Math.min(...rates)) / mid;
    const heapPerInstrument = median(runs.map((run) => run.heapBytes)) / instrumentCount;
    lines.push(
      `| ${name} | ${Math.round(mid).toLocaleString('en-US')} | ${(spread * 100).toFixed(1)} % | ${(mid / naive).toFixed(1)}× | ${(heapPerInstrument / 1024).toFixed(1)} KiB |`,
    );
    json[name] = { tradesPerSecond: rates, heapBytes: runs.map((run) => run.heapBytes), heapPerInstrument };
  }
  const best = median(results['mdg MarketEngine (validated trades)']!.runs.map((run) => run.tradesPerSecond));
  lines.push(
    '',
    `Target: at least ${TARGET_TRADES_PER_SECOND.toLocaleString('en-US')} trades/s on one core: ${best >= TARGET_TRADES_PER_SECOND ? 'met' : 'MISSED'} (${Math.round(best).toLocaleString('en-US')}).`,
  );
  console.log(lines.join('\n'));
  const outDir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'engine-bench.json'), JSON.stringify({ trades: TRADES, repeats: REPEATS, results: json }, null, 2));
  fs.writeFileSync(path.join(outDir, 'engine-bench.md'), lines.join('\n') + '\n');
}

main();

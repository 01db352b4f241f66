import { MarketEngine } from '@mdg/engine';
import { ManualIntervalTimer, SeededRandom, SimulatedFeed, SIMULATED_TOKENS } from '@mdg/feeds';
import { MarketPipeline } from '@mdg/pipeline';
import { ManualClock, type Candle, type TokenInstrument } from '@mdg/model';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { ChartLiveHarness } from './testing/chart-live-harness';
import { memoryHistoryBackend, redisHistoryBackend, type HistoryBackend } from './testing/history-backend';
import type { TestClient } from './testing/test-client';

const CANDLE_FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume', 'volumeUsd', 'trades', 'buys', 'sells'] as const;
const pick = (candle: Candle): Candle => Object.fromEntries(CANDLE_FIELDS.map((field) => [field, candle[field]])) as unknown as Candle;

interface StreamRef {
  token: TokenInstrument;
  timeframe: number;
}
const keyOf = (tokenAddress: string, timeframe: number): string => `${tokenAddress}:${timeframe}`;

/**
 * A bot that keeps every final candle of its streams across reconnects: on every (re)connect it
 * subscribes with `since` = the last final it holds (or `history` when it holds none) and appends
 * what comes: the history event's candles, then closed chart events.
 */
class Bot {
  readonly finals = new Map<string, Candle[]>();
  readonly historyFlags: boolean[] = [];
  readonly problems: string[] = [];
  /** PROTOCOL.md's order rule, per connection and stream: the newest candle time seen and whether it was final. */
  readonly orderViolations: string[] = [];
  private newest = new Map<string, { time: number; closed: boolean; finals: Set<number> }>();
  private client: TestClient | undefined;
  private read = 0;

  constructor(
    private readonly harness: ChartLiveHarness,
    private readonly apiKey: string,
    readonly streams: readonly StreamRef[],
  ) {
    for (const { token, timeframe } of streams) this.finals.set(keyOf(token.tokenAddress, timeframe), []);
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  async connect(): Promise<void> {
    const client = await this.harness.connect(this.apiKey);
    this.client = client;
    this.read = 0;
    this.newest = new Map();
    await client.until(() => client.texts.length > 0, 5000, 'the connected message');
    this.read = 1;
    for (const { token, timeframe } of this.streams) {
      const last = this.finals.get(keyOf(token.tokenAddress, timeframe))!.at(-1);
      client.send({ tokenAddress: token.tokenAddress, timeframe, ...(last === undefined ? { history: 1000 } : { since: last.time }) });
    }
  }

  async disconnect(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    this.absorb();
    await client.close();
    this.absorb();
    this.client = undefined;
  }

  /** Takes in what arrived since the last call. */
  absorb(): void {
    const client = this.client;
    if (client === undefined) return;
    for (; this.read < client.texts.length; this.read++) {
      const message = JSON.parse(client.texts[this.read]!);
      if (message.type === 'error') this.problems.push(message.message);
      const list = this.finals.get(keyOf(message.tokenAddress, message.timeframe));
      if (list === undefined) continue;
      if (message.event === 'history') {
        this.historyFlags.push(message.complete);
        list.push(...message.candles.map(pick));
        for (const candle of message.candles) this.checkOrder(message.tokenAddress, message.timeframe, candle.time, true);
      } else if (message.event === 'chart') {
        this.checkOrder(message.tokenAddress, message.timeframe, message.candle.time, message.candle.closed);
        if (message.candle.closed) list.push(pick(message.candle));
      }
    }
  }

  /** Never older than already sent; the final of T before anything of T+1; one final per bucket. */
  private checkOrder(tokenAddress: string, timeframe: number, time: number, closed: boolean): void {
    const key = keyOf(tokenAddress, timeframe);
    const seen = this.newest.get(key) ?? { time: Number.NEGATIVE_INFINITY, closed: true, finals: new Set<number>() };
    if (time < seen.time) this.orderViolations.push(`${key}: ${time} after ${seen.time}`);
    else if (time > seen.time && !seen.closed) this.orderViolations.push(`${key}: ${time} before the final of ${seen.time}`);
    if (seen.finals.has(time)) this.orderViolations.push(`${key}: ${time} after its final`);
    if (closed) seen.finals.add(time);
    this.newest.set(key, { time: Math.max(time, seen.time), closed: time >= seen.time ? closed : seen.closed, finals: seen.finals });
  }

  lastTime(ref: StreamRef): number | undefined {
    this.absorb();
    return this.finals.get(keyOf(ref.token.tokenAddress, ref.timeframe))!.at(-1)?.time;
  }
}

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis.stop();
});

describe.each([
  ['the memory store (embedded)', async (): Promise<HistoryBackend> => memoryHistoryBackend()],
  ['Redis and BullMQ', async (): Promise<HistoryBackend> => redisHistoryBackend(redis.url, uniquePrefix('seeded-history'))],
])('a seeded simulated run with %s', (_name, openBackend) => {
  it("gives bots that reconnect at random points with since exactly the engine's final candles, for several timeframes", async () => {
    const errors: Error[] = [];
    const backend = await openBackend();
    const harness = await ChartLiveHarness.start({ history: backend.history });
    const clock = new ManualClock(1_775_001_600_000);
    const timer = new ManualIntervalTimer();
    const engine = new MarketEngine(harness.registry, { candles: { timeframes: [1, 5, 15], graceMs: 300 } });
    // The timers never fire by themselves: the test steps the feed and the publishes.
    const pipeline = new MarketPipeline(engine, harness.bus, { clock, priceIntervalMs: 3_600_000, candleIntervalMs: 3_600_000 });
    const reference = new Map<string, Candle[]>();
    pipeline.onPublish(({ candles }) => {
      backend.queue.enqueue(candles);
      for (const update of candles) {
        if (!update.closed) continue;
        const token = harness.registry.findToken(update.instrument);
        if (token === undefined) continue;
        const key = keyOf(token.tokenAddress, update.timeframe);
        reference.set(key, [...(reference.get(key) ?? []), pick(update.candle)]);
      }
    });
    const tokens = harness.registry.tokens();
    const bots = [
      new Bot(harness, await harness.createKey('free', 'bot-a'), [
        { token: tokens[0]!, timeframe: 1 },
        { token: tokens[1]!, timeframe: 5 },
      ]),
      new Bot(harness, await harness.createKey('free', 'bot-b'), [
        { token: tokens[0]!, timeframe: 15 },
        { token: tokens[2]!, timeframe: 1 },
      ]),
      new Bot(harness, await harness.createKey('free', 'bot-c'), [
        { token: tokens[0]!, timeframe: 1 },
        { token: tokens[3]!, timeframe: 5 },
      ]),
    ];
    try {
      for (const bot of bots) await bot.connect();
      const feed = new SimulatedFeed({ seed: 42, tradesPerSecond: 150, clock, timer, instruments: SIMULATED_TOKENS, maxTradesPerTick: 100_000 });
      await pipeline.start(feed, (error) => errors.push(error));
      const random = new SeededRandom(7);
      const awayUntil = new Map<Bot, number>();
      for (let step = 0; step < 900; step++) {
        clock.advance(100);
        timer.tick();
        void pipeline.publishCandles(); // as the pipeline's own timer calls it (never awaited)
        for (const bot of bots) {
          const back = awayUntil.get(bot);
          if (back !== undefined && step >= back) {
            awayUntil.delete(bot);
            await bot.connect();
          } else if (back === undefined && random.uniform() < 0.012) {
            // Away for 0-4 s of simulated time: the finals of that time come back through `since`.
            await bot.disconnect();
            awayUntil.set(bot, step + random.integer(40));
          }
        }
        await new Promise((resolve) => setImmediate(resolve));
        if (step % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      // The end: no more trades; past every bucket's end + grace, the last finals go out.
      await pipeline.halt();
      clock.advance(20_000);
      void pipeline.publishCandles();
      for (const bot of bots) if (!bot.connected) await bot.connect();
      for (const bot of bots) {
        for (const ref of bot.streams) {
          const expected = reference.get(keyOf(ref.token.tokenAddress, ref.timeframe)) ?? [];
          await eventually(() => bot.lastTime(ref) === expected.at(-1)?.time, {
            what: `${ref.token.symbol} ${ref.timeframe}s at its last final`,
            timeoutMs: 20_000,
          });
        }
      }

      for (const bot of bots) {
        expect(bot.problems).toEqual([]);
        expect(bot.orderViolations).toEqual([]);
        expect(bot.historyFlags.every(Boolean)).toBe(true);
        for (const ref of bot.streams) {
          const key = keyOf(ref.token.tokenAddress, ref.timeframe);
          const expected = reference.get(key)!;
          expect(expected.length).toBeGreaterThan(ref.timeframe === 15 ? 4 : 15);
          expect(bot.finals.get(key)).toEqual(expected);
        }
      }
      // Reconnects happened, and each one was answered by a history event.
      expect(bots.reduce((sum, bot) => sum + bot.historyFlags.length, 0)).toBeGreaterThan(bots.length * bots[0]!.streams.length + 6);
      expect(backend.history.stats()).toMatchObject({ gaps: 0, incomplete: 0 });
      expect(errors).toEqual([]);
    } finally {
      for (const bot of bots) await bot.disconnect();
      await pipeline.halt();
      await harness.close();
      await backend.close();
    }
  }, 60_000);
});

import { candleStream, preciseNow, priceStream, StreamSequencer, type Envelope, type MarketBus } from '@mdg/bus';
import type { MarketEngine } from '@mdg/engine';
import type { Feed } from '@mdg/feeds';
import type { CandleUpdate, Clock, MarketUpdate, Trade } from '@mdg/model';

export interface MarketPipelineOptions {
  clock: Clock;
  /** At most one price update per symbol per interval (coalescing; latest wins). Default 100 ms. */
  priceIntervalMs?: number;
  /** At most one update per open candle per interval; finals always go out. Default 100 ms. */
  candleIntervalMs?: number;
  /** The engine epoch stamped on every envelope (raised by a takeover in the scale-out mode). */
  epoch?: number;
  /**
   * Awaited between collecting candles and publishing them (write-ahead): the scale-out engine
   * saves its checkpoint here, so the stored state never lags behind a published final and a
   * standby never emits that final again. Resolve false to publish nothing (this engine was
   * deposed). Candle cycles never overlap while it runs.
   */
  beforeCandlePublish?: (candles: readonly CandleUpdate[]) => Promise<boolean>;
}

export interface PipelineStats {
  tradesIn: number;
  pricesPublished: number;
  candlesPublished: number;
  feedErrors: number;
}

type PublishListener = (batch: { prices: MarketUpdate[]; candles: CandleUpdate[] }) => void;

/**
 * Where a stream resumes: its last published seq, so a new owner continues the seq instead of
 * restarting at 1. Not the bus's StreamPosition (epoch + seq, the order of envelopes).
 */
export interface StreamResumePoint {
  stream: string;
  seq: number;
}

/**
 * The engine role: feed → MarketEngine → bus. Coalescing happens here, once for the whole
 * cluster: the engines accumulate between collects and each collect publishes the latest
 * state of what changed, so the bus carries at most one message per stream and interval
 * (plus the finals).
 */
export class MarketPipeline {
  private readonly sequencer: StreamSequencer;
  private readonly priceIntervalMs: number;
  private readonly candleIntervalMs: number;
  /** Oldest not-yet-published accepted trade per instrument, for tick-to-wire latency. */
  private readonly pricePendingSince = new Map<string, number>();
  private readonly candlePendingSince = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly listeners = new Set<PublishListener>();
  private feed: Feed | undefined;
  private candleCycle: Promise<void> | undefined;
  private readonly counters: PipelineStats = { tradesIn: 0, pricesPublished: 0, candlesPublished: 0, feedErrors: 0 };

  constructor(
    private readonly engine: MarketEngine,
    private readonly bus: MarketBus,
    private readonly options: MarketPipelineOptions,
  ) {
    this.sequencer = new StreamSequencer(options.epoch ?? 1);
    this.priceIntervalMs = options.priceIntervalMs ?? 100;
    this.candleIntervalMs = options.candleIntervalMs ?? 100;
  }

  /** Starts the feed and the publish timers. */
  async start(feed: Feed, onFeedError: (error: Error) => void): Promise<void> {
    this.feed = feed;
    this.timers.push(setInterval(() => this.publishPrices(), this.priceIntervalMs));
    this.timers.push(setInterval(() => void this.publishCandles(), this.candleIntervalMs));
    await feed.start({
      onTrade: (trade) => this.accept(trade),
      onError: (error) => {
        this.counters.feedErrors += 1;
        onFeedError(error);
      },
    });
  }

  /** Continues the given streams from their last published seq (call before start, after a takeover). */
  resume(points: readonly StreamResumePoint[]): void {
    for (const point of points) this.sequencer.resume(point.stream, point.seq);
  }

  /** The last seq published per stream: a later pipeline of the same engine continues from here. */
  resumePoints(): StreamResumePoint[] {
    return this.sequencer.positions();
  }

  get epoch(): number {
    return this.sequencer.epoch;
  }

  /** Applies one validated trade (feeds call this through start; tests and ingest may call it directly). */
  accept(trade: Trade): void {
    this.counters.tradesIn += 1;
    this.engine.applyValidated(trade, this.options.clock.now());
    if (!this.pricePendingSince.has(trade.instrument)) this.pricePendingSince.set(trade.instrument, preciseNow());
    if (!this.candlePendingSince.has(trade.instrument)) this.candlePendingSince.set(trade.instrument, preciseNow());
  }

  publishPrices(): void {
    const now = this.options.clock.now();
    const prices = this.engine.ticker.collect(now);
    for (const update of prices) {
      this.send(priceStream(update.symbol), update, this.pricePendingSince.get(update.symbol));
      this.pricePendingSince.delete(update.symbol);
    }
    this.counters.pricesPublished += prices.length;
    if (prices.length > 0) this.notify({ prices, candles: [] });
  }

  /** Collects and publishes candles; with `beforeCandlePublish`, resolves once they went out. */
  async publishCandles(): Promise<void> {
    if (this.candleCycle) return this.candleCycle;
    const now = this.options.clock.now();
    const candles = this.engine.candles.collect(now);
    const gate = this.options.beforeCandlePublish;
    if (gate === undefined) {
      this.sendCandles(candles);
      return;
    }
    this.candleCycle = gate(candles).then(
      (go) => {
        if (go) this.sendCandles(candles);
      },
      () => this.sendCandles(candles), // the gate failed (store down): publishing still goes on
    );
    try {
      await this.candleCycle;
    } finally {
      this.candleCycle = undefined;
    }
  }

  private sendCandles(candles: CandleUpdate[]): void {
    for (const update of candles) this.send(candleStream(update.instrument, update.timeframe), update, this.candlePendingSince.get(update.instrument));
    for (const update of candles) this.candlePendingSince.delete(update.instrument);
    this.counters.candlesPublished += candles.length;
    if (candles.length > 0) this.notify({ prices: [], candles });
  }

  /** Called after every publish with what went out (logging, tests). */
  onPublish(listener: PublishListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): PipelineStats {
    return { ...this.counters };
  }

  /** Stops the feed, then publishes what is pending so nothing accepted is lost. */
  async stop(): Promise<void> {
    await this.halt();
    this.publishPrices();
    await this.candleCycle;
    await this.publishCandles();
  }

  /** Stops the timers and the feed without publishing anything more (a deposed owner must stay silent). */
  async halt(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await this.feed?.stop();
  }

  private send(stream: string, payload: unknown, acceptedAt: number | undefined): void {
    const publishedAt = preciseNow();
    const envelope: Envelope = {
      stream,
      epoch: this.sequencer.epoch,
      seq: this.sequencer.next(stream),
      payload,
      acceptedAt: acceptedAt ?? publishedAt,
      publishedAt,
    };
    this.bus.publish(envelope);
  }

  private notify(batch: { prices: MarketUpdate[]; candles: CandleUpdate[] }): void {
    for (const listener of this.listeners) listener(batch);
  }
}

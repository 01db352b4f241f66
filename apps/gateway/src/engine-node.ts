import { candleStream, priceStream, type CandleEnvelope, type MarketBus } from '@mdg/bus';
import { MarketEngine } from '@mdg/engine';
import type { Feed } from '@mdg/feeds';
import type { ClosedCandleQueue } from '@mdg/history';
import type { HealthReport } from '@mdg/http';
import { PRICE_SYMBOLS, TIMEFRAMES, type Clock, type InstrumentRegistry } from '@mdg/model';
import { EngineOwnership, MarketPipeline, type EngineLease, type EngineStateStore, type StreamResumePoint } from '@mdg/pipeline';
import { candleGraceFor, type GatewayConfig } from '@mdg/config';

export interface EngineNodeDeps {
  config: GatewayConfig;
  registry: InstrumentRegistry;
  bus: MarketBus;
  clock: Clock;
  createFeed(): Feed;
  /** With Redis: one active engine at a time, state handed over through the store. */
  ownership?: { lease: EngineLease; stateStore: EngineStateStore };
  /** Where final candles go for history (off the hot path). */
  candleQueue?: ClosedCandleQueue;
  log(line: string): void;
}

interface Active {
  epoch: number;
  engine: MarketEngine;
  pipeline: MarketPipeline;
  feed: Feed;
}

/**
 * The engine role: feed → engines → bus. Embedded, it simply runs. With Redis it waits as
 * a standby until it holds the engine lease, resumes from the owner's checkpoints and
 * last published seqs, checkpoints after every publish cycle, and goes silent the moment
 * it loses the lease.
 */
export class EngineNode {
  private active: Active | undefined;
  /** The engine of this node's last ownership, in case the store comes back empty (Redis restarted without persistence). */
  private retired: { engine: MarketEngine; pipeline: MarketPipeline } | undefined;
  private ownership: EngineOwnership | undefined;
  private needFullCheckpoint = true;
  private takeovers = 0;

  constructor(private readonly deps: EngineNodeDeps) {}

  async start(): Promise<void> {
    const ownership = this.deps.ownership;
    if (ownership === undefined) {
      await this.promote(1);
      return;
    }
    this.ownership = new EngineOwnership({
      lease: ownership.lease,
      renewIntervalMs: Math.max(100, Math.floor(this.deps.config.engineLeaseTtlMs / 3)),
      retryIntervalMs: Math.max(100, Math.floor(this.deps.config.engineLeaseTtlMs / 3)),
      onPromoted: (epoch) => this.promote(epoch),
      onDemoted: (reason) => this.demote(reason),
      onError: (error) => this.deps.log(`engine lease: ${error.message}`),
    });
    this.ownership.start();
  }

  /** The running engine, when this node is the owner (tests and status lines read it). */
  current(): MarketEngine | undefined {
    return this.active?.engine;
  }

  pipeline(): MarketPipeline | undefined {
    return this.active?.pipeline;
  }

  feed(): Feed | undefined {
    return this.active?.feed;
  }

  status(): { role: 'owner' | 'standby'; epoch: number | undefined; takeovers: number } {
    return { role: this.active ? 'owner' : 'standby', epoch: this.active?.epoch, takeovers: this.takeovers };
  }

  readiness(): HealthReport {
    const reasons: string[] = [];
    if (this.deps.bus.state() !== 'connected') reasons.push('bus disconnected');
    const feedState = this.active?.feed.state();
    // A standby is ready: waiting is its job. An owner is ready once its feed is live.
    if (feedState !== undefined && feedState !== 'live') reasons.push(`feed ${feedState}`);
    return {
      ok: reasons.length === 0,
      reasons,
      details: { engine: this.active ? 'owner' : 'standby', epoch: this.active?.epoch, feed: feedState ?? 'standby' },
    };
  }

  async stop(): Promise<void> {
    if (this.ownership) {
      // Flush and checkpoint while still the owner, then hand the lease over at once.
      await this.finish();
      await this.ownership.stop();
    } else {
      await this.finish();
    }
  }

  private async promote(epoch: number): Promise<void> {
    const { config, registry, bus, clock } = this.deps;
    let engine = new MarketEngine(registry, { candles: { graceMs: candleGraceFor(config) } });
    const checkpoint = this.deps.ownership ? await this.deps.ownership.stateStore.load() : undefined;
    const retired = this.retired;
    let carried: StreamResumePoint[] = [];
    if (checkpoint && checkpoint.candles.length + checkpoint.tickers.length === 0 && retired) {
      // The store lost everything (Redis restarted empty) but this node still holds the freshest
      // state, and its seqs: the bus snapshots are gone too, and seq must not start again at 1.
      engine = retired.engine;
      carried = retired.pipeline.resumePoints();
      this.deps.log(`engine ${config.nodeId}: state store empty, continuing from this node's own state`);
    } else if (checkpoint) {
      engine.candles.restore(checkpoint.candles);
      engine.ticker.restore(checkpoint.tickers);
    }
    this.retired = undefined;
    const store = this.deps.ownership?.stateStore;
    const pipeline = new MarketPipeline(engine, bus, {
      clock,
      epoch,
      priceIntervalMs: config.priceIntervalMs,
      candleIntervalMs: config.candleIntervalMs,
      // Write-ahead: the checkpoint that contains a final is stored before the final is published.
      beforeCandlePublish: store ? () => this.checkpoint(engine, epoch, store) : undefined,
    });
    pipeline.resume(carried);
    if (checkpoint) await this.resumeStreams(engine, pipeline);
    const feed = this.deps.createFeed();
    this.active = { epoch, engine, pipeline, feed };
    this.needFullCheckpoint = true;
    const queue = this.deps.candleQueue;
    if (queue) pipeline.onPublish(({ candles }) => queue.enqueue(candles));
    await pipeline.start(feed, (error) => this.deps.log(`feed ${feed.name}: ${error.message}`));
    if (this.deps.ownership) {
      this.takeovers += 1;
      this.deps.log(`engine ${config.nodeId}: owner with epoch ${epoch}`);
    }
  }

  /** Continue where the previous owner stopped: its published finals are final, its seqs go on. */
  private async resumeStreams(engine: MarketEngine, pipeline: MarketPipeline): Promise<void> {
    const streams = [
      ...PRICE_SYMBOLS.map((symbol) => priceStream(symbol)),
      ...this.deps.registry.all().flatMap((instrument) => TIMEFRAMES.map((timeframe) => candleStream(instrument.id, timeframe))),
    ];
    const latest = await this.deps.bus.latest(streams);
    const positions: StreamResumePoint[] = [];
    latest.forEach((envelope, index) => {
      if (envelope === undefined) return;
      positions.push({ stream: streams[index]!, seq: envelope.seq });
      const update = (envelope as CandleEnvelope).payload;
      // A final published after the owner's last checkpoint must not be emitted again.
      if (index >= PRICE_SYMBOLS.length && update.closed)
        engine.candles.markFinalized(update.instrument, update.timeframe, update.candle.time, update.candle.close);
    });
    pipeline.resume(positions);
  }

  /**
   * Saves what changed since the last save (a full state after any failure). Resolves false
   * when the store refused the epoch: this engine was deposed and must publish nothing more.
   */
  private async checkpoint(engine: MarketEngine, epoch: number, store: EngineStateStore, retry = true): Promise<boolean> {
    const full = this.needFullCheckpoint;
    const state = { candles: engine.candles.checkpoint(full), tickers: engine.ticker.checkpoint(full) };
    try {
      const accepted = await store.save(epoch, state);
      this.needFullCheckpoint = false;
      if (accepted) return true;
      // Refused can mean Redis forgot the lease (restarted empty): a renew takes it back when no
      // other engine took it since, and this engine, which holds the state, carries on.
      const renewed = retry
        ? await this.deps.ownership?.lease.renew().catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
        : false;
      if (renewed instanceof Error) {
        // The lease connection is not back yet (each Redis client reconnects on its own): no
        // verdict, so no going silent; the ownership loop decides when its lease is lost.
        this.needFullCheckpoint = true;
        this.deps.log(`engine checkpoint refused and the lease could not be checked, will retry in full: ${renewed.message}`);
        return true;
      }
      if (renewed === true) {
        this.deps.log(`engine ${this.deps.config.nodeId}: lease gone from Redis, taken back with epoch ${epoch}`);
        this.needFullCheckpoint = true;
        return this.checkpoint(engine, epoch, store, false);
      }
      this.deps.log(`engine ${this.deps.config.nodeId}: checkpoint refused (epoch ${epoch} deposed), going silent`);
      void this.demote('lost');
      return false;
    } catch (error) {
      this.needFullCheckpoint = true;
      this.deps.log(`engine checkpoint failed, will retry in full: ${(error as Error).message}`);
      return true;
    }
  }

  private async demote(reason: 'lost' | 'stopped'): Promise<void> {
    const active = this.active;
    if (active === undefined) return;
    this.active = undefined;
    await active.pipeline.halt();
    if (reason === 'lost') this.retired = { engine: active.engine, pipeline: active.pipeline };
    this.deps.log(`engine ${this.deps.config.nodeId}: ${reason === 'lost' ? 'lost the lease, now standby' : 'stopped'}`);
  }

  /** Clean stop: publish what is pending (checkpointed first) before the lease goes. */
  private async finish(): Promise<void> {
    const active = this.active;
    if (active === undefined) return;
    await active.pipeline.stop();
    this.active = undefined;
  }
}

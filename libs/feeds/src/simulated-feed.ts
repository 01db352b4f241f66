import { InvalidConfigError, type Clock } from '@mdg/model';
import type { Feed, FeedHandlers, FeedState, FeedStats } from './feed';
import { guardHandlers } from './guard-handlers';
import { systemIntervalTimer, type IntervalTimer } from './interval-timer';
import { MarketSimulator, type BurstOptions, type MarketSimulatorOptions } from './market-simulator';
import type { SimulatedInstrument } from './simulated-instrument';

export interface SimulatedFeedOptions {
  seed: number;
  /** Long-run average total rate (see MarketSimulator). */
  tradesPerSecond: number;
  /** "Now"; the simulation starts at clock.now() when the feed starts. */
  clock: Clock;
  /** How often due trades are emitted. Default 20 ms. */
  tickIntervalMs?: number;
  /** Default systemIntervalTimer (setInterval). */
  timer?: IntervalTimer;
  instruments?: readonly SimulatedInstrument[];
  bursts?: BurstOptions | false;
  /**
   * Cap per tick, so a stalled event loop does not come back to one giant synchronous
   * catch-up; the remainder goes out on later ticks and the feed reports 'stale' meanwhile.
   * Default max(1000, tradesPerSecond / 2).
   */
  maxTradesPerTick?: number;
  /** Feed name. Default 'simulator'. */
  name?: string;
}

const DEFAULT_TICK_INTERVAL_MS = 20;

/**
 * Drives a MarketSimulator in real time: each tick emits every simulated trade whose time
 * is <= clock.now(). Tick boundaries only decide when trades go out, never which trades
 * exist, so the sequence depends on the seed and options alone (times are offset by the
 * start time).
 */
export class SimulatedFeed implements Feed {
  readonly name: string;
  private readonly clock: Clock;
  private readonly timer: IntervalTimer;
  private readonly tickIntervalMs: number;
  private readonly maxTradesPerTick: number;
  private current: FeedState = 'idle';
  private simulator: MarketSimulator | undefined;
  private handlers: FeedHandlers | undefined;
  private cancelTimer: (() => void) | undefined;
  private emitted = 0;

  constructor(private readonly options: SimulatedFeedOptions) {
    const problems: string[] = [];
    const tick = options.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS;
    if (!Number.isFinite(tick) || tick < 1) problems.push(`tickIntervalMs must be >= 1, got ${tick}`);
    const rate = options.tradesPerSecond;
    const cap = options.maxTradesPerTick ?? (Number.isFinite(rate) ? Math.max(1000, Math.ceil(rate / 2)) : 1000);
    if (!Number.isInteger(cap) || cap < 1) problems.push(`maxTradesPerTick must be a positive integer, got ${cap}`);
    if (problems.length > 0) throw new InvalidConfigError(problems);
    // Fail at construction, not at start: the start time is the only option not known yet.
    MarketSimulator.validateOptions({ ...this.simulatorOptions(), startTimeMs: 0 });
    this.name = options.name ?? 'simulator';
    this.clock = options.clock;
    this.timer = options.timer ?? systemIntervalTimer;
    this.tickIntervalMs = tick;
    this.maxTradesPerTick = cap;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a second start() rejects (the Feed contract) rather than throws
  async start(handlers: FeedHandlers): Promise<void> {
    if (this.current !== 'idle') throw new Error(`feed ${this.name}: start() called in state '${this.current}'; a feed starts once`);
    this.handlers = guardHandlers(handlers, this.name);
    this.simulator = new MarketSimulator({ ...this.simulatorOptions(), startTimeMs: Math.floor(this.clock.now()) });
    this.current = 'live';
    this.cancelTimer = this.timer.every(this.tickIntervalMs, () => this.tick());
  }

  stop(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.current = 'stopped';
    return Promise.resolve();
  }

  state(): FeedState {
    return this.current;
  }

  stats(): FeedStats {
    return { emitted: this.emitted, rejected: 0 };
  }

  private simulatorOptions(): Omit<MarketSimulatorOptions, 'startTimeMs'> {
    const { seed, tradesPerSecond, instruments, bursts } = this.options;
    return { seed, tradesPerSecond, instruments, bursts };
  }

  /** A method, not an inline comparison, because handlers can change the state between checks. */
  private isStopped(): boolean {
    return this.current === 'stopped';
  }

  private tick(): void {
    const simulator = this.simulator;
    const handlers = this.handlers;
    if (!simulator || !handlers || this.current === 'stopped') return;
    try {
      const now = this.clock.now();
      let sent = 0;
      // Re-checks the state: a handler may stop the feed mid-tick.
      while (sent < this.maxTradesPerTick && !this.isStopped() && simulator.peekTime() <= now) {
        handlers.onTrade(simulator.next());
        sent++;
        this.emitted++;
      }
      if (!this.isStopped()) this.current = sent === this.maxTradesPerTick && simulator.peekTime() <= now ? 'stale' : 'live';
    } catch (error) {
      // onTrade is guarded, so this is the simulator or the clock failing; never let it escape the timer.
      handlers.onError(error instanceof Error ? error : new Error(`feed ${this.name}: tick failed: ${String(error)}`));
    }
  }
}

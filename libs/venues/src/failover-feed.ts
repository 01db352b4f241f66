import type { Feed, FeedState, FeedStats } from '@mdg/feeds';
import { InvalidConfigError, MdgError, type Trade } from '@mdg/model';
import { guardLivenessHandlers } from './guard-liveness-handlers';
import type { LivenessHandlers } from './liveness-handlers';
import { RecentIdSet } from './recent-id-set';
import { systemVenueTimers, type VenueTimers } from './venue-timers';

export interface FailoverFeedOptions {
  /** Sources in priority order: the first is the primary, the others standbys. Names must differ. */
  sources: readonly Feed[];
  /**
   * A source is stale for an instrument when it delivered neither a trade for it nor a
   * heartbeat vouching for it for this long (or its own state is not 'live'). Default 10 000 ms.
   */
  staleAfterMs?: number;
  /** How often the health of the active sources is re-evaluated. Default min(1000, staleAfterMs / 4). */
  checkIntervalMs?: number;
  /**
   * Recent trades a standby keeps per instrument while held back. On takeover, the ones newer
   * than the last trade applied for that instrument are replayed, so the minutes in which the
   * primary went quiet are covered by the standby instead of lost. Default 1000; 0 disables.
   */
  standbyBufferSize?: number;
  /** Recent (instrument, trade id) pairs remembered per source. Default 20 000. */
  dedupCapacity?: number;
  timers?: VenueTimers;
  /** Feed name. Default 'failover'. */
  name?: string;
  /** Observer of source switches (logs, metrics); a throw becomes a process warning. */
  onSwitch?: (event: FailoverSwitch) => void;
}

export interface FailoverSwitch {
  readonly instrument: string;
  /** Source name that was active, undefined for the first choice. */
  readonly from: string | undefined;
  readonly to: string;
  /** 'stale': the active source went quiet; 'recovered': a higher-priority source is back. */
  readonly reason: 'stale' | 'recovered';
  /** Held-back standby trades applied at the switch. */
  readonly replayed: number;
}

export interface FailoverFeedStats extends FeedStats {
  /** Trades received again from the same source (same instrument and venue trade id) and dropped. */
  readonly duplicates: number;
  /** Standby trades held back (not applied) at the time they arrived. */
  readonly heldBack: number;
  /** Held-back trades applied at a takeover. */
  readonly replayed: number;
  readonly switches: number;
}

interface Source {
  readonly feed: Feed;
  readonly index: number;
  /** Instruments it declares (venue feeds do); undefined: learnt from its trades. */
  readonly declared: ReadonlySet<string> | undefined;
  readonly lastActivity: Map<string, number>;
  readonly buffers: Map<string, Trade[]>;
  readonly dedup: RecentIdSet;
}

/**
 * Several sources for one symbol set, one active per instrument. The primary (first source)
 * is active while it is healthy; when it goes stale for an instrument the highest-priority
 * healthy standby takes over that instrument (at the next check, within checkIntervalMs of
 * the staleness), and the primary takes it back as soon as it delivers again. Standbys stay
 * connected and their trades are held back, not applied. Per source, a trade seen twice
 * (same instrument and venue trade id, e.g. re-sent after a reconnect) is applied once.
 *
 * Trades of different venues are different trades: nothing is deduplicated across sources.
 */
export class FailoverFeed implements Feed {
  readonly name: string;
  private readonly sources: Source[];
  private readonly staleAfterMs: number;
  private readonly checkIntervalMs: number;
  private readonly standbyBufferSize: number;
  private readonly timers: VenueTimers;
  private readonly onSwitch: FailoverFeedOptions['onSwitch'];
  private readonly active = new Map<string, Source>();
  private readonly lastAppliedTime = new Map<string, number>();
  private handlers: Required<LivenessHandlers> | undefined;
  private current: FeedState = 'idle';
  private startedAt = 0;
  private cancelCheck: (() => void) | undefined;
  private readonly counters = { emitted: 0, rejected: 0, duplicates: 0, heldBack: 0, replayed: 0, switches: 0 };

  constructor(options: FailoverFeedOptions) {
    const problems: string[] = [];
    if (!Array.isArray(options.sources) || options.sources.length === 0) problems.push('sources must list at least one feed');
    const names = new Set<string>();
    for (const feed of options.sources ?? []) {
      if (names.has(feed.name)) problems.push(`source names must differ; ${feed.name} appears twice`);
      names.add(feed.name);
    }
    const staleAfterMs = options.staleAfterMs ?? 10_000;
    if (!Number.isFinite(staleAfterMs) || staleAfterMs < 10) problems.push(`staleAfterMs must be >= 10, got ${staleAfterMs}`);
    const checkIntervalMs = options.checkIntervalMs ?? Math.min(1000, Math.max(5, Math.floor(staleAfterMs / 4)));
    if (!Number.isFinite(checkIntervalMs) || checkIntervalMs < 1) problems.push(`checkIntervalMs must be >= 1, got ${checkIntervalMs}`);
    const standbyBufferSize = options.standbyBufferSize ?? 1000;
    if (!Number.isInteger(standbyBufferSize) || standbyBufferSize < 0)
      problems.push(`standbyBufferSize must be a non-negative integer, got ${standbyBufferSize}`);
    const dedupCapacity = options.dedupCapacity ?? 20_000;
    if (!Number.isInteger(dedupCapacity) || dedupCapacity < 0) problems.push(`dedupCapacity must be a non-negative integer, got ${dedupCapacity}`);
    if (problems.length > 0) throw new InvalidConfigError(problems);
    this.name = options.name ?? 'failover';
    this.staleAfterMs = staleAfterMs;
    this.checkIntervalMs = checkIntervalMs;
    this.standbyBufferSize = standbyBufferSize;
    this.timers = options.timers ?? systemVenueTimers;
    this.onSwitch = options.onSwitch;
    this.sources = options.sources.map((feed, index) => ({
      feed,
      index,
      declared: declaredInstruments(feed),
      lastActivity: new Map(),
      buffers: new Map(),
      dedup: new RecentIdSet(dedupCapacity),
    }));
  }

  /** Starts every source; if one fails to start, the started ones are stopped and the error is rethrown. */
  async start(handlers: LivenessHandlers): Promise<void> {
    if (this.current !== 'idle') throw new Error(`feed ${this.name}: start() called in state '${this.current}'; a feed starts once`);
    this.handlers = guardLivenessHandlers(handlers, this.name);
    this.current = 'stale';
    this.startedAt = this.timers.now();
    for (const source of this.sources) for (const instrument of source.declared ?? []) this.activeFor(instrument);
    const results = await Promise.allSettled(this.sources.map((source) => source.feed.start(this.sourceHandlers(source))));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      await Promise.allSettled(this.sources.map((source) => source.feed.stop()));
      this.current = 'stopped';
      throw failure.reason;
    }
    // stop() may have been called while the sources were starting.
    if (this.isStopped()) return;
    this.cancelCheck = this.timers.every(this.checkIntervalMs, () => this.check());
    this.updateState();
  }

  async stop(): Promise<void> {
    this.current = 'stopped';
    this.cancelCheck?.();
    this.cancelCheck = undefined;
    await Promise.all(this.sources.map((source) => source.feed.stop()));
  }

  state(): FeedState {
    return this.current;
  }

  /** A method, not an inline comparison, because the state can change across an await. */
  private isStopped(): boolean {
    return this.current === 'stopped';
  }

  stats(): FailoverFeedStats {
    return { ...this.counters };
  }

  /** Name of the source currently applied for `instrument`; undefined when no source serves it. */
  activeSource(instrument: string): string | undefined {
    return this.active.get(instrument)?.feed.name;
  }

  /** Every instrument any source declares or has delivered. */
  instruments(): readonly string[] {
    return [...this.active.keys()];
  }

  private sourceHandlers(source: Source): LivenessHandlers {
    return {
      onTrade: (trade) => this.onSourceTrade(source, trade),
      onHeartbeat: (instruments) => {
        const now = this.timers.now();
        for (const instrument of instruments) source.lastActivity.set(instrument, now);
      },
      onError: (error) => {
        if (this.current === 'stopped') return;
        if (error instanceof MdgError && (error.code === 'INVALID_FEED_INPUT' || error.code === 'INVALID_TRADE')) this.counters.rejected++;
        this.handlers?.onError(error);
      },
    };
  }

  private onSourceTrade(source: Source, trade: Trade): void {
    if (this.current === 'stopped' || this.current === 'idle') return;
    const instrument = trade.instrument;
    source.lastActivity.set(instrument, this.timers.now());
    if (!source.dedup.add(`${instrument}\u0000${trade.tradeId}`)) {
      this.counters.duplicates++;
      return;
    }
    const active = this.activeFor(instrument);
    if (active === source) {
      this.apply(trade);
      return;
    }
    if (active !== undefined && source.index < active.index && this.isHealthy(source, instrument, this.timers.now())) {
      this.switchTo(instrument, source, 'recovered');
      this.apply(trade);
      return;
    }
    this.holdBack(source, trade);
  }

  private check(): void {
    if (this.current === 'stopped') return;
    const now = this.timers.now();
    for (const [instrument, active] of [...this.active]) {
      const best = this.sources.find((source) => this.serves(source, instrument) && this.isHealthy(source, instrument, now));
      if (best === undefined || best === active) continue;
      // A healthier source ranked below the active one only takes over if the active one is stale.
      if (best.index > active.index && this.isHealthy(active, instrument, now)) continue;
      this.switchTo(instrument, best, best.index < active.index ? 'recovered' : 'stale');
    }
    this.updateState();
  }

  private switchTo(instrument: string, to: Source, reason: 'stale' | 'recovered'): void {
    const from = this.active.get(instrument);
    this.active.set(instrument, to);
    this.counters.switches++;
    const held = to.buffers.get(instrument) ?? [];
    to.buffers.delete(instrument);
    const since = this.lastAppliedTime.get(instrument) ?? -Infinity;
    let replayed = 0;
    for (const trade of held) {
      if (trade.time <= since || this.current === 'stopped') continue;
      this.apply(trade);
      replayed++;
    }
    this.counters.replayed += replayed;
    try {
      this.onSwitch?.({ instrument, from: from?.feed.name, to: to.feed.name, reason, replayed });
    } catch (error) {
      process.emitWarning(`feed ${this.name}: onSwitch threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private apply(trade: Trade): void {
    this.counters.emitted++;
    const last = this.lastAppliedTime.get(trade.instrument);
    if (last === undefined || trade.time > last) this.lastAppliedTime.set(trade.instrument, trade.time);
    this.handlers?.onTrade(trade);
  }

  private holdBack(source: Source, trade: Trade): void {
    this.counters.heldBack++;
    if (this.standbyBufferSize === 0) return;
    let buffer = source.buffers.get(trade.instrument);
    if (!buffer) {
      buffer = [];
      source.buffers.set(trade.instrument, buffer);
    }
    buffer.push(trade);
    if (buffer.length > this.standbyBufferSize) buffer.splice(0, buffer.length - this.standbyBufferSize);
  }

  /** The active source for an instrument, choosing the first serving one on first sight. */
  private activeFor(instrument: string): Source | undefined {
    const known = this.active.get(instrument);
    if (known) return known;
    const first = this.sources.find((source) => this.serves(source, instrument));
    if (first) this.active.set(instrument, first);
    return first;
  }

  private serves(source: Source, instrument: string): boolean {
    return source.declared === undefined || source.declared.has(instrument);
  }

  private isHealthy(source: Source, instrument: string, now: number): boolean {
    if (source.feed.state() !== 'live') return false;
    const last = source.lastActivity.get(instrument) ?? this.startedAt;
    return now - last <= this.staleAfterMs;
  }

  private updateState(): void {
    if (this.current === 'stopped' || this.current === 'idle') return;
    const now = this.timers.now();
    const entries = [...this.active];
    const healthy =
      entries.length === 0
        ? this.sources.some((source) => source.feed.state() === 'live')
        : entries.every(([instrument, source]) => this.isHealthy(source, instrument, now));
    this.current = healthy ? 'live' : 'stale';
  }
}

function declaredInstruments(feed: Feed): ReadonlySet<string> | undefined {
  const candidate = feed as Feed & { instruments?: () => readonly string[] };
  return typeof candidate.instruments === 'function' ? new Set(candidate.instruments()) : undefined;
}

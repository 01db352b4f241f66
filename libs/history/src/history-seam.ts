import type { CandleUpdate } from '@mdg/model';
import { isLinked } from './candle-links';
import type { CandleRange, CandleStore } from './candle-store';
import type { HistoryRequest } from './history-request';
import type { HistoryServiceStats } from './history-service-stats';
import { isHistoryComplete } from './is-history-complete';
import type { SeamOutput } from './seam-output';
import { withTimeout } from './with-timeout';

/** What a seam needs from its HistoryService. */
export interface SeamContext {
  readonly store: CandleStore;
  readonly maxHistory: number;
  readonly seamTimeoutMs: number;
  readonly seamPollMs: number;
  readonly queryTimeoutMs: number;
  readonly maxHeld: number;
  /** Wall-clock ms: deadlines measure how long the store lags, which is real time. */
  readonly now: () => number;
  readonly counters: Omit<HistoryServiceStats, 'open'>;
  readonly report: (error: Error) => void;
  /** Called once when the seam settles or is cancelled. */
  readonly done: () => void;
}

interface Entry<T> {
  readonly update: CandleUpdate;
  readonly item: T;
}

type Check = { readonly kind: 'linked' | 'waiting' | 'unprovable'; readonly recovered: CandleRange['candles'] };

/**
 * Joins one subscription's history to its live stream with no final missing or repeated.
 *
 * The caller attaches to the live stream first and pushes every live update from that moment
 * (`push`); meanwhile the store is read. Then, in order:
 * 1. `history`: the stored finals. H = the newest of them (or `since` when there are none).
 * 2. The updates pushed so far and from now on, minus those at or before H (the answer already
 *    holds those buckets' finals), until the first live final B after H.
 * 3. The seam check at B. The store is written off the hot path (a queue and a worker), so a
 *    final published just before the subscription may not have been stored yet when it was
 *    read, and it is not among the pushed updates either. B proves or refutes it: when B is the
 *    bucket right after H nothing can be between; otherwise the store's copy of B carries the
 *    time of its predecessor (FinalCandle.prev). B and everything after it are held while the
 *    store is polled until it holds B and an unbroken chain of links back to H; the finals in
 *    between are sent (`recovered`), then B and the held updates. If the store cannot prove the
 *    chain within `seamTimeoutMs` (worker down, a final dropped or pruned, an unknown link after
 *    an engine restart), the client is told (`gap`) before B, never left with a silent hole.
 * 4. `settled`: the caller delivers live updates itself from now on.
 *
 * A store that cannot be read answers `complete: false` and skips the check. Nothing here
 * blocks live updates of other subscriptions; one seam holds at most `maxHeld` updates.
 */
export class HistorySeam<T> {
  private phase: 'query' | 'live' | 'verify' | 'settled' | 'cancelled' = 'query';
  /** Updates pushed while querying, then (from B on) while verifying; in push order. */
  private readonly waiting: Entry<T>[] = [];
  /** H: the newest final time the client has (history, `since`, recovered, or live). */
  private lastTime: number | undefined;
  private anchor: CandleUpdate | undefined;
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private reportedVerifyFailure = false;
  private readonly tfMs: number;

  constructor(
    private readonly context: SeamContext,
    readonly request: HistoryRequest,
    private readonly deliver: (outputs: readonly SeamOutput<T>[]) => void,
  ) {
    this.tfMs = request.timeframe * 1000;
  }

  get state(): 'query' | 'live' | 'verify' | 'settled' | 'cancelled' {
    return this.phase;
  }

  /** Starts the store read (HistoryService.open calls it). */
  start(): void {
    void this.query();
  }

  /** One live update of the stream, in stream order, from the moment of subscribing on. */
  push(update: CandleUpdate, item: T): void {
    switch (this.phase) {
      case 'query':
      case 'verify':
        this.waiting.push({ update, item });
        if (this.waiting.length > this.context.maxHeld) this.overflow();
        return;
      case 'live': {
        const out: SeamOutput<T>[] = [];
        this.accept({ update, item }, out);
        this.emit(out);
        return;
      }
      case 'settled':
        // The caller should deliver by itself by now; passing through keeps it correct anyway.
        this.emit([{ kind: 'live', item }]);
        return;
      case 'cancelled':
        return;
    }
  }

  /** The subscription is gone: stop polling, drop what is held. Idempotent. */
  cancel(): void {
    if (this.phase === 'cancelled') return;
    const wasOpen = this.phase !== 'settled';
    this.phase = 'cancelled';
    this.clearTimer();
    this.waiting.length = 0;
    if (wasOpen) this.context.done();
  }

  private async query(): Promise<void> {
    const { context, request } = this;
    const limit = request.history ?? context.maxHistory;
    let range: CandleRange;
    try {
      range = await withTimeout(
        context.store.range(request.instrument, request.timeframe, { afterTime: request.since, limit }),
        context.queryTimeoutMs,
        'the candle store',
      );
    } catch (error) {
      if (this.phase !== 'query') return;
      context.counters.storeFailures += 1;
      context.report(asError(error, `history of ${this.label()} unavailable; answered complete:false`));
      this.answer([], false);
      // Nothing stored can be proven, so there is no seam to check: live continues after `since`.
      this.lastTime = request.since;
      const out: SeamOutput<T>[] = [{ kind: 'history', candles: [], complete: false }];
      for (const entry of this.waiting.splice(0))
        if (this.lastTime === undefined || entry.update.candle.time > this.lastTime) out.push({ kind: 'live', item: entry.item });
      this.settle(out);
      this.emit(out);
      return;
    }
    if (this.phase !== 'query') return;
    const complete = isHistoryComplete(request, range, limit);
    this.answer(range.candles, complete);
    this.lastTime = range.candles.at(-1)?.time ?? request.since;
    this.phase = 'live';
    const out: SeamOutput<T>[] = [{ kind: 'history', candles: range.candles, complete }];
    for (const entry of this.waiting.splice(0)) {
      // `state`, not `phase`: accept() may have moved on to verifying (TypeScript cannot see it).
      if (this.state === 'verify') this.waiting.push(entry);
      else this.accept(entry, out);
    }
    this.emit(out);
  }

  /** One update after the history answer, before the seam is settled. */
  private accept(entry: Entry<T>, out: SeamOutput<T>[]): void {
    if (this.phase === 'settled') {
      out.push({ kind: 'live', item: entry.item });
      return;
    }
    const { update } = entry;
    const time = update.candle.time;
    // The answer already holds this bucket's final: a repeat, or an older state of it.
    if (this.lastTime !== undefined && time <= this.lastTime) {
      this.context.counters.skipped += 1;
      return;
    }
    if (!update.closed) {
      out.push({ kind: 'live', item: entry.item });
      return;
    }
    if (this.lastTime !== undefined && time === this.lastTime + this.tfMs) {
      this.lastTime = time;
      out.push({ kind: 'live', item: entry.item });
      this.settle(out);
      return;
    }
    this.phase = 'verify';
    this.anchor = update;
    this.waiting.push(entry);
    this.deadline = this.context.now() + this.context.seamTimeoutMs;
    // Not at once: the final may have been published in this very tick, its store write right after.
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.verify();
    }, delayMs);
    // A seam waiting for the store must never be what keeps a process alive.
    this.timer.unref();
  }

  private async verify(): Promise<void> {
    const anchor = this.anchor;
    if (this.phase !== 'verify' || anchor === undefined) return;
    const { context, request } = this;
    let check: Check = { kind: 'waiting', recovered: [] };
    try {
      const range = await withTimeout(
        context.store.range(request.instrument, request.timeframe, {
          afterTime: this.lastTime,
          throughTime: anchor.candle.time,
          limit: context.maxHistory + 1,
        }),
        context.queryTimeoutMs,
        'the candle store',
      );
      check = this.check(range, anchor.candle.time);
    } catch (error) {
      if (!this.reportedVerifyFailure) {
        this.reportedVerifyFailure = true;
        context.counters.storeFailures += 1;
        context.report(asError(error, `history seam of ${this.label()}: the store could not be read; retrying until the seam deadline`));
      }
    }
    if (this.phase !== 'verify') return;
    if (check.kind === 'linked') this.release(check.recovered, false);
    else if (check.kind === 'unprovable' || context.now() >= this.deadline) this.release(check.recovered, true);
    else this.schedule(context.seamPollMs);
  }

  /** Whether the stored candles in (H, B] link H to B without a hole; the ones before B are to be recovered. */
  private check(range: CandleRange, anchorTime: number): Check {
    const { candles, prevs, floor } = range;
    const holdsAnchor = candles.at(-1)?.time === anchorTime;
    const end = holdsAnchor ? candles.length - 1 : candles.length;
    // No history at all: the client asked for the newest N and got none, so those are what it missed.
    const start = this.lastTime === undefined ? Math.max(0, end - (this.request.history ?? this.context.maxHistory)) : 0;
    const recovered = candles.slice(start, end);
    if (!holdsAnchor) return { kind: 'waiting', recovered };
    let previous = this.lastTime;
    for (let index = start; index < candles.length; index++) {
      const candle = candles[index]!;
      const prev = prevs[index] ?? null;
      if (previous !== undefined && !isLinked(previous, candle.time, prev, this.request.timeframe)) {
        // An unknown link (the producer restarted) or a predecessor already removed never resolves.
        const unprovable = prev === null || (floor !== undefined && prev < floor);
        return { kind: unprovable ? 'unprovable' : 'waiting', recovered };
      }
      previous = candle.time;
    }
    return { kind: 'linked', recovered };
  }

  /** Ends the check: the gap notice if unproven, the recovered finals, then B and what was held. */
  private release(recovered: CandleRange['candles'], gap: boolean): void {
    const anchor = this.anchor!;
    const out: SeamOutput<T>[] = [];
    if (gap) {
      this.context.counters.gaps += 1;
      out.push({ kind: 'gap', after: this.lastTime, before: anchor.candle.time });
    }
    for (const candle of recovered) out.push({ kind: 'recovered', candle });
    this.context.counters.recovered += recovered.length;
    this.lastTime = anchor.candle.time;
    for (const entry of this.waiting.splice(0)) out.push({ kind: 'live', item: entry.item });
    this.settle(out);
    this.emit(out);
  }

  /** More held than allowed: stop waiting, tell the client, let live go on. */
  private overflow(): void {
    const overflowed = new Error(`history seam of ${this.label()} held more than ${this.context.maxHeld} live updates; giving up the seam check`);
    this.context.report(overflowed);
    if (this.phase === 'verify') {
      this.clearTimer();
      this.release([], true);
      return;
    }
    // Still querying (a very slow store): answer without history rather than hold live updates longer.
    this.context.counters.storeFailures += 1;
    this.answer([], false);
    this.lastTime = this.request.since;
    const out: SeamOutput<T>[] = [{ kind: 'history', candles: [], complete: false }];
    for (const entry of this.waiting.splice(0))
      if (this.lastTime === undefined || entry.update.candle.time > this.lastTime) out.push({ kind: 'live', item: entry.item });
    this.settle(out);
    this.emit(out);
  }

  private answer(candles: CandleRange['candles'], complete: boolean): void {
    this.context.counters.answers += 1;
    this.context.counters.candles += candles.length;
    if (!complete) this.context.counters.incomplete += 1;
  }

  private settle(out: SeamOutput<T>[]): void {
    this.clearTimer();
    this.phase = 'settled';
    out.push({ kind: 'settled' });
    this.context.done();
  }

  private emit(out: readonly SeamOutput<T>[]): void {
    if (out.length === 0) return;
    try {
      this.deliver(out);
    } catch (error) {
      // The caller's failure must not stop the seam's bookkeeping (it runs from timers too).
      this.context.report(asError(error, `history seam of ${this.label()}: delivering failed`));
    }
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private label(): string {
    return `${this.request.instrument} ${this.request.timeframe}s`;
  }
}

function asError(error: unknown, context: string): Error {
  return new Error(`${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

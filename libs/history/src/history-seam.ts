// Over 400 lines on purpose: one state machine (read, join, catch-up, seam check) whose steps share every field.
import type { CandleUpdate } from '@mdg/model';
import type { CandleRange, CandleStore } from './candle-store';
import type { HistoryRequest } from './history-request';
import type { HistoryServiceStats } from './history-service-stats';
import { isHistoryComplete } from './is-history-complete';
import { checkSeamChain, type SeamChainCheck } from './seam-chain-check';
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

const NOTHING_STORED: CandleRange = { candles: [], prevs: [], coversFrom: undefined, floor: undefined };

interface Entry<T> {
  readonly update: CandleUpdate;
  readonly item: T;
}

/**
 * Joins one subscription's history to its live stream with no final missing or repeated.
 *
 * The caller attaches to the live stream first and pushes every live update from that moment
 * (`push`); meanwhile the store is read.
 *
 * Linked streams (CandleUpdate.prev, stamped by the engine): the `history` answer itself carries
 * the truth. The first pushed update P says which finals precede the live part (through P.prev);
 * later ones arrive live. The answer waits (≤ `seamTimeoutMs`) until the store holds P.prev;
 * `complete` is true only when the stored links run unbroken from `since` to it (P.prev null, an
 * engine restarted without state, proves no resume). Live follows; the seam settles at once.
 *
 * Streams without links (older producers) use the seam check below; in order:
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
  /** While querying: reading the store, waiting for the first live update, or for the store to catch up with it. */
  private step: 'read' | 'first' | 'catch-up' = 'read';
  /** The first store answer (kept while the first live update is awaited). */
  private stored: CandleRange | undefined;
  /** The stream has no live state at all: the first live update is not awaited. */
  private liveUnknown = false;
  /** No live update came within seamTimeoutMs. */
  private liveTimedOut = false;
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

  get state(): typeof this.phase {
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
        else if (this.phase === 'query' && this.step === 'first') this.join();
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

  /** The stream has no live state (nothing was ever published on it): answer without waiting for one. */
  noLiveState(): void {
    this.liveUnknown = true;
    if (this.phase === 'query' && this.step === 'first') this.join();
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
      // Nothing stored can be proven, so there is no seam to check: live continues after `since`.
      this.answerAndSettle(NOTHING_STORED, false);
      return;
    }
    if (this.phase !== 'query') return;
    this.stored = range;
    this.step = 'first';
    this.join();
  }

  /** With the store read: answers once the first live update says where the live part begins. */
  private join(): void {
    const range = this.stored!;
    const { request, context } = this;
    const limit = request.history ?? context.maxHistory;
    const first = this.waiting[0]?.update;
    if (first === undefined && !this.liveUnknown) {
      if (this.timer === undefined) {
        // A stream whose state is still on its way (the bus snapshot) answers when it arrives; one
        // that never comes must not hold the answer forever.
        this.deadline = context.now() + context.seamTimeoutMs;
        this.schedule(context.seamTimeoutMs, () => {
          this.liveTimedOut = true;
          this.noLiveState();
        });
      }
      return;
    }
    this.clearTimer();
    if (first === undefined && this.liveTimedOut && request.since !== undefined) {
      // Nothing tells where the live part begins (a stream that lost its state): a resume cannot be proven.
      this.answerAndSettle(range, false);
      return;
    }
    if (first?.prev === undefined) {
      this.answerUnlinked(range, isHistoryComplete(request, range, limit));
      return;
    }
    const newest = range.candles.at(-1)?.time ?? request.since;
    const target = first.prev;
    if (target === null) {
      // An engine without state (a restart) vouches for nothing before `first`, and its first
      // bucket lacks the trades from before the restart: a resume cannot be complete. A plain
      // `history: N` is, when nothing is stored or nothing can lie between.
      const adjacent = newest === undefined || first.candle.time <= newest + this.tfMs;
      const proven = request.since === undefined && adjacent;
      this.answerAndSettle(range, proven && isHistoryComplete(request, range, limit));
      return;
    }
    if (newest !== undefined && target <= newest) {
      this.answerAndSettle(range, isHistoryComplete(request, range, limit));
      return;
    }
    // Finals were published before the subscription and are not stored yet (the store is
    // written off the hot path): wait for them, so the one answer holds them.
    this.step = 'catch-up';
    this.deadline = context.now() + context.seamTimeoutMs;
    this.schedule(0, () => void this.catchUp(target, limit));
  }

  private async catchUp(target: number, limit: number): Promise<void> {
    const { context, request } = this;
    let range: CandleRange | undefined;
    try {
      range = await withTimeout(
        context.store.range(request.instrument, request.timeframe, { afterTime: request.since, limit }),
        context.queryTimeoutMs,
        'the candle store',
      );
    } catch (error) {
      if (!this.reportedVerifyFailure) {
        this.reportedVerifyFailure = true;
        context.counters.storeFailures += 1;
        context.report(asError(error, `history of ${this.label()}: the store could not be read; retrying until the deadline`));
      }
    }
    if (this.phase !== 'query') return;
    const caughtUp = range !== undefined && (range.candles.at(-1)?.time ?? Number.NEGATIVE_INFINITY) >= target;
    if (caughtUp) {
      const before = this.stored!.candles.at(-1)?.time ?? Number.NEGATIVE_INFINITY;
      context.counters.recovered += range!.candles.filter((candle) => candle.time > before).length;
      this.answerAndSettle(range!, isHistoryComplete(request, range!, limit));
    } else if (context.now() >= this.deadline) {
      this.answerAndSettle(range ?? this.stored!, false);
    } else {
      this.schedule(context.seamPollMs, () => void this.catchUp(target, limit));
    }
  }

  /** The answer, then every held update after it; the seam is done (linked streams, or nothing to check). */
  private answerAndSettle(range: CandleRange, complete: boolean): void {
    this.answer(range.candles, complete);
    this.lastTime = range.candles.at(-1)?.time ?? this.request.since;
    const out: SeamOutput<T>[] = [{ kind: 'history', candles: range.candles, complete }];
    for (const entry of this.waiting.splice(0)) {
      if (this.lastTime === undefined || entry.update.candle.time > this.lastTime) out.push({ kind: 'live', item: entry.item });
      else this.context.counters.skipped += 1;
    }
    this.settle(out);
    this.emit(out);
  }

  /** The answer of a stream without links; the seam check (accept, verify) follows. */
  private answerUnlinked(range: CandleRange, complete: boolean): void {
    const { request } = this;
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
    this.schedule(0, () => void this.verify());
  }

  private schedule(delayMs: number, work: () => void): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      work();
    }, delayMs);
    // A seam waiting for the store must never be what keeps a process alive.
    this.timer.unref();
  }

  private async verify(): Promise<void> {
    const anchor = this.anchor;
    if (this.phase !== 'verify' || anchor === undefined) return;
    const { context, request } = this;
    let check: SeamChainCheck = { kind: 'waiting', recovered: [] };
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
      check = checkSeamChain(range, anchor.candle.time, this.lastTime, this.request.timeframe, this.request.history ?? context.maxHistory);
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
    else this.schedule(context.seamPollMs, () => void this.verify());
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
    this.answerAndSettle(NOTHING_STORED, false);
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
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private label(): string {
    return `${this.request.instrument} ${this.request.timeframe}s`;
  }
}

function asError(error: unknown, context: string): Error {
  return new Error(`${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

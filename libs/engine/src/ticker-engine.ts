import { type InstrumentRegistry, type MarketUpdate, type Trade } from '@mdg/model';
import type { TickerState } from './engine-state';
import { TickerWindow } from './ticker-window';

export interface TickerEngineOptions {
  /** Rolling window length; default 24 h. */
  windowMs?: number;
  /** Resolution of the window (its slot size); default one minute. */
  resolutionMs?: number;
}

export type TickerApplyResult = 'applied' | 'late' | 'not-a-price-symbol';

export interface TickerEngineStats {
  applied: number;
  /** Trades older than the rolling window, dropped. */
  late: number;
}

/**
 * Last price, rolling 24 h USD volume and change for the price symbols. Pure: the clock
 * comes in as arguments. Memory per symbol is fixed (windowMs / resolutionMs slots).
 */
export class TickerEngine {
  private readonly windows = new Map<string, TickerWindow>();
  /** Windows changed since the last collect; a flag on the window keeps a Set lookup off the per-trade path. */
  private readonly dirty: TickerWindow[] = [];
  private readonly unsaved: TickerWindow[] = [];
  private readonly slotCount: number;
  private readonly resolutionMs: number;
  private readonly counters: TickerEngineStats = { applied: 0, late: 0 };

  constructor(registry: InstrumentRegistry, options: TickerEngineOptions = {}) {
    this.resolutionMs = options.resolutionMs ?? 60_000;
    this.slotCount = Math.round((options.windowMs ?? 86_400_000) / this.resolutionMs);
    for (const instrument of registry.priceInstruments()) {
      this.windows.set(instrument.id, new TickerWindow(instrument.symbol, this.slotCount, this.resolutionMs));
    }
  }

  apply(trade: Trade, nowMs: number): TickerApplyResult {
    const window = this.windows.get(trade.instrument);
    if (window === undefined) return 'not-a-price-symbol';
    // Price symbols have decimals 0: the USD notional is price × size.
    if (!window.apply(trade.price, trade.price * trade.size, trade.time, nowMs)) {
      this.counters.late += 1;
      return 'late';
    }
    this.counters.applied += 1;
    if (!window.dirty) {
      window.dirty = true;
      this.dirty.push(window);
    }
    if (!window.unsaved) {
      window.unsaved = true;
      this.unsaved.push(window);
    }
    return 'applied';
  }

  /** The tickers of every symbol that traded since the last call, as of `nowMs`. */
  collect(nowMs: number): MarketUpdate[] {
    const out: MarketUpdate[] = [];
    for (const window of this.dirty) {
      window.dirty = false;
      const update = window.snapshot(nowMs);
      if (update) out.push(update);
    }
    this.dirty.length = 0;
    return out;
  }

  snapshot(symbol: string, nowMs: number): MarketUpdate | undefined {
    return this.windows.get(symbol)?.snapshot(nowMs);
  }

  /** Every symbol that has a price, in registry order (the `initial-prices` payload). */
  snapshots(nowMs: number): MarketUpdate[] {
    const out: MarketUpdate[] = [];
    for (const window of this.windows.values()) {
      const update = window.snapshot(nowMs);
      if (update) out.push(update);
    }
    return out;
  }

  /**
   * Symbols changed since the previous call, each with the slots that changed (incremental
   * checkpoint); with `full`, every symbol that traded with all its live slots.
   */
  checkpoint(full = false): TickerState[] {
    const windows = full ? [...this.windows.values()].filter((window) => window.hasTraded()) : this.unsaved;
    const states = windows.map((window) => {
      window.unsaved = false;
      return window.toState(full);
    });
    for (const window of this.unsaved) window.unsaved = false;
    this.unsaved.length = 0;
    return states;
  }

  /** Resumes from full states (every live slot); unknown symbols are skipped and returned. */
  restore(states: readonly TickerState[]): string[] {
    const skipped: string[] = [];
    for (const state of states) {
      const window = this.windows.get(state.symbol);
      if (window === undefined) {
        skipped.push(state.symbol);
        continue;
      }
      window.restore(state);
      // Re-announce: the previous owner may have died before publishing its latest state.
      if (state.lastTime !== null && !window.dirty) {
        window.dirty = true;
        this.dirty.push(window);
      }
    }
    return skipped;
  }

  stats(): TickerEngineStats {
    return { ...this.counters };
  }
}

import type { SeriesState, TickerState } from '@mdg/engine';

/**
 * What an engine saves: `engine.candles.checkpoint()` and `engine.ticker.checkpoint()` (both
 * incremental: only what changed since the previous checkpoint). What load returns is complete:
 * every series, and per symbol the scalars with every live slot, ready for `restore()`.
 */
export interface EngineCheckpoint {
  candles: SeriesState[];
  tickers: TickerState[];
}

/** Where the active engine keeps its state so a standby can resume it (scale-out mode). */
export interface EngineStateStore {
  /**
   * Merges an incremental checkpoint (latest state per series; ticker scalars replaced and slots
   * merged per minute, minutes at or below evictedThrough dropped). Writes only while `epoch` is
   * the current lease epoch (fencing: a deposed owner's late save is refused) — resolves false
   * when refused, and then nothing was written.
   */
  save(epoch: number, checkpoint: EngineCheckpoint): Promise<boolean>;
  /** The merged state: every series, and per symbol the scalars with every live slot (slots by minute, ascending). */
  load(): Promise<EngineCheckpoint>;
}

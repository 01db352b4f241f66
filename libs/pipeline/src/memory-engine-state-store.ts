import type { SeriesState, TickerSlotState, TickerState } from '@mdg/engine';
import type { EngineCheckpoint, EngineStateStore } from './engine-state-store';
import type { MemoryEngineLeaseTable } from './memory-engine-lease-table';

export interface MemoryEngineStateStoreOptions {
  /** Holds the lease that fences saves and the stored state; share it between simulated engines. */
  table: MemoryEngineLeaseTable;
}

type TickerScalars = Omit<TickerState, 'slots'>;

/**
 * EngineStateStore in one process. State is kept as JSON in the shared table, so what load
 * returns never aliases what was saved (like a real store), and several stores on one table
 * see the same state.
 */
export class MemoryEngineStateStore implements EngineStateStore {
  private readonly table: MemoryEngineLeaseTable;

  constructor(options: MemoryEngineStateStoreOptions) {
    this.table = options.table;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a checkpoint that fails to encode rejects, as with a real store
  async save(epoch: number, checkpoint: EngineCheckpoint): Promise<boolean> {
    if (this.table.currentEpoch() !== epoch) return false;
    // Encode everything before writing anything: a save applies whole or not at all.
    const series = checkpoint.candles.map((state) => [`${state.instrument}:${state.timeframe}`, JSON.stringify(state)] as const);
    const tickers = checkpoint.tickers.map(({ slots, ...scalars }) => ({
      scalars,
      meta: JSON.stringify(scalars),
      slots: slots.map((slot) => [slot.minute, JSON.stringify(slot)] as const),
    }));
    for (const [field, json] of series) this.table.series.set(field, json);
    for (const { scalars, meta, slots } of tickers) {
      const stored = this.table.tickers.get(scalars.symbol) ?? { meta, slots: new Map<number, string>() };
      stored.meta = meta;
      const evictedThrough = scalars.evictedThrough;
      for (const [minute, json] of slots) stored.slots.set(minute, json);
      if (evictedThrough !== null) for (const minute of [...stored.slots.keys()]) if (minute <= evictedThrough) stored.slots.delete(minute);
      this.table.tickers.set(scalars.symbol, stored);
    }
    return true;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a stored state that fails to decode rejects, as with a real store
  async load(): Promise<EngineCheckpoint> {
    const candles = [...this.table.series.values()].map((json) => JSON.parse(json) as SeriesState);
    const tickers = [...this.table.tickers.values()].map(({ meta, slots }): TickerState => {
      const scalars = JSON.parse(meta) as TickerScalars;
      const ordered = [...slots.entries()].sort(([a], [b]) => a - b).map(([, json]) => JSON.parse(json) as TickerSlotState);
      return { ...scalars, slots: ordered };
    });
    return { candles, tickers };
  }
}

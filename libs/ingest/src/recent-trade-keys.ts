import type { Trade } from '@mdg/model';
import { tradeKey } from './trade-key';

/**
 * The trade identities (tradeKey) most recently applied by this process, for applying a trade
 * once when it arrives twice (a redelivered stream entry, an indexer's retried XADD, a client's
 * retried POST). Bounded: past `capacity` the oldest identity is forgotten first, so memory
 * stays flat (about 150 bytes per identity); the capacity only has to cover how far back a
 * duplicate can arrive. Owned by whatever owns the effect (the engine): share one instance
 * between the feeds that apply into the same engine.
 */
export class RecentTradeKeys {
  /** Insertion-ordered: the first element is the oldest. */
  private readonly keys = new Set<string>();

  constructor(readonly capacity = 100_000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** Records the trade; true on its first sighting (apply it), false for a duplicate (skip it). */
  firstSighting(trade: Pick<Trade, 'source' | 'instrument' | 'tradeId'>): boolean {
    return this.addKey(tradeKey(trade));
  }

  /** firstSighting for a precomputed tradeKey. */
  addKey(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }

  has(trade: Pick<Trade, 'source' | 'instrument' | 'tradeId'>): boolean {
    return this.keys.has(tradeKey(trade));
  }

  hasKey(key: string): boolean {
    return this.keys.has(key);
  }

  get size(): number {
    return this.keys.size;
  }
}

import type { Trade } from '@mdg/model';

/**
 * The identity of a trade for deduplication: (source, instrument, tradeId). Trade ids are only
 * unique within a source (and venues' ids only within a market), hence all three. JSON array
 * text, so no choice of characters inside the parts can make two identities collide.
 */
export function tradeKey(trade: Pick<Trade, 'source' | 'instrument' | 'tradeId'>): string {
  return JSON.stringify([trade.source, trade.instrument, trade.tradeId]);
}

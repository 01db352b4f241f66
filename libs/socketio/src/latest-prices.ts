import { priceStream, type Envelope } from '@mdg/bus';
import type { Hub } from '@mdg/edge';
import { PRICE_SYMBOLS, type PriceSymbol } from '@mdg/model';
import type { PriceUpdate } from '@mdg/protocol';
import { priceUpdateFromEnvelope } from './price-update';

/**
 * The newest update per symbol: what `initial-prices` is made of, always current (no read on
 * connect). Envelopes older than the cached one (epoch, then seq) are ignored.
 */
export class LatestPrices {
  /** Envelopes whose payload was not a MarketUpdate of their symbol. */
  invalidEnvelopes = 0;
  private readonly latest = new Map<PriceSymbol, { epoch: number; update: PriceUpdate }>();

  constructor(private readonly benchStamp: boolean) {}

  /** Reads the hub's latest envelopes once (at start); a failure is reported and leaves the cache empty. */
  async seed(hub: Hub, reportError: (error: Error) => void): Promise<void> {
    try {
      const envelopes = await hub.latest(PRICE_SYMBOLS.map((symbol) => priceStream(symbol)));
      PRICE_SYMBOLS.forEach((symbol, index) => {
        const envelope = envelopes[index];
        if (envelope !== undefined) this.remember(symbol, envelope);
      });
    } catch (error) {
      reportError(new Error(`cannot read the latest prices for initial-prices: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    }
  }

  /** Caches the envelope's update when it is newer than the cached one; returns it then. */
  remember(symbol: PriceSymbol, envelope: Envelope): PriceUpdate | undefined {
    const update = priceUpdateFromEnvelope(symbol, envelope, this.benchStamp);
    if (update === undefined) {
      this.invalidEnvelopes += 1;
      return undefined;
    }
    const cached = this.latest.get(symbol);
    if (cached !== undefined && (envelope.epoch < cached.epoch || (envelope.epoch === cached.epoch && update.seq <= cached.update.seq))) return undefined;
    this.latest.set(symbol, { epoch: envelope.epoch, update });
    return update;
  }

  /** Every symbol that has a price, in the documented order. */
  snapshot(): PriceUpdate[] {
    const updates: PriceUpdate[] = [];
    for (const symbol of PRICE_SYMBOLS) {
      const cached = this.latest.get(symbol);
      if (cached !== undefined) updates.push(cached.update);
    }
    return updates;
  }
}

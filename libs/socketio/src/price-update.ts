import { monotonicOf, type Envelope } from '@mdg/bus';
import type { PriceSymbol } from '@mdg/model';
import { toPriceUpdate, type PriceUpdate } from '@mdg/protocol';

/**
 * The wire update of one price envelope (see @mdg/protocol's toPriceUpdate); undefined when the
 * payload is not a MarketUpdate of the symbol. With `benchStamp` (benchmarks only) it carries
 * the envelope's acceptance and publication times on the monotonic clock as `t` and `tp`.
 */
export function priceUpdateFromEnvelope(symbol: PriceSymbol, envelope: Envelope, benchStamp = false): PriceUpdate | undefined {
  const stamps = benchStamp ? { t: monotonicOf(envelope.acceptedAt), tp: monotonicOf(envelope.publishedAt) } : undefined;
  return toPriceUpdate(symbol, envelope.payload, envelope.seq, stamps);
}

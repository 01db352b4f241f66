import { COINBASE_MARKETS } from './coinbase-markets';
import type { CoinbaseSideMeaning } from './coinbase-side-meaning';
import { decodeCoinbaseFrame } from './decode-coinbase-frame';
import type { FrameContext } from './frame-context';
import type { VenueFeedOptions } from './venue-feed-options';
import type { VenueMarketMap } from './venue-market-map';
import type { VenueProtocol } from './venue-protocol';
import { VenueTradeFeed } from './venue-trade-feed';

export interface CoinbaseTradeFeedOptions extends VenueFeedOptions {
  /** What the venue's `side` field names. Default 'taker' (as Coinbase documents it). */
  sideMeaning?: CoinbaseSideMeaning;
}

/** Coinbase Advanced Trade public market-data endpoint (no authentication needed for market_trades). */
export const COINBASE_MARKET_DATA_URL = 'wss://advanced-trade-ws.coinbase.com';

/**
 * Coinbase Advanced Trade trades (`market_trades`) for the price symbols Coinbase lists, in USD.
 *
 * Wire: one subscribe per channel, as Coinbase requires, both right after the connection
 * opens (Coinbase disconnects a connection that has not subscribed within 5 s):
 * {"type":"subscribe","channel":"heartbeats","product_ids":[…]} — heartbeats every second keep
 * the subscriptions open when markets are quiet (Coinbase closes idle channels after 60-90 s)
 * and feed the watchdog — then {"type":"subscribe","channel":"market_trades","product_ids":[…]}.
 * A market_trades subscription starts with a snapshot of recent trades: after a reconnect it
 * fills the gap, and the (instrument, trade id) dedup drops what was already delivered.
 *
 * Defaults: url COINBASE_MARKET_DATA_URL; staleAfterMs 10 000 (ten missed heartbeats);
 * rotateAfterMs false (Coinbase documents no connection lifetime); rateLimit 6 per 1000 ms
 * (Coinbase allows 8 unauthenticated messages per second per IP; two stay free for the
 * overlap of a rotation or a second process on the host).
 */
export class CoinbaseTradeFeed extends VenueTradeFeed {
  constructor(options: CoinbaseTradeFeedOptions) {
    const sideMeaning = options.sideMeaning ?? 'taker';
    super(
      {
        venue: 'coinbase',
        markets: COINBASE_MARKETS,
        url: COINBASE_MARKET_DATA_URL,
        staleAfterMs: 10_000,
        rotateAfterMs: false,
        rateLimit: { maxMessages: 6, perMs: 1000 },
        protocol: ({ url, markets, frameContext }) => coinbaseProtocol(url, markets, sideMeaning, frameContext),
      },
      options,
    );
  }
}

function coinbaseProtocol(
  url: string,
  markets: VenueMarketMap,
  sideMeaning: CoinbaseSideMeaning,
  frameContext: (nowMs: number) => FrameContext,
): VenueProtocol {
  const productIds = markets.symbols().map((symbol) => markets.toMarket(symbol)!);
  return {
    venue: 'coinbase',
    connectUrl: () => url,
    subscribeMessages: () => [
      JSON.stringify({ type: 'subscribe', product_ids: productIds, channel: 'heartbeats' }),
      JSON.stringify({ type: 'subscribe', product_ids: productIds, channel: 'market_trades' }),
    ],
    decode: (text, nowMs) => decodeCoinbaseFrame(text, frameContext(nowMs), sideMeaning),
  };
}

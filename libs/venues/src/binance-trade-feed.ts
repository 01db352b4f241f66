import { InvalidConfigError } from '@mdg/model';
import { BINANCE_MARKETS } from './binance-markets';
import { decodeBinanceFrame } from './decode-binance-frame';
import type { FrameContext } from './frame-context';
import type { VenueFeedOptions } from './venue-feed-options';
import type { VenueMarketMap } from './venue-market-map';
import type { VenueProtocol } from './venue-protocol';
import { VenueTradeFeed } from './venue-trade-feed';

export interface BinanceTradeFeedOptions extends VenueFeedOptions {
  /**
   * Streams per SUBSCRIBE message. Binance documents no per-message cap, but very long
   * `params` lists have been seen to fail silently; the 20 symbols fit one message. Default 100.
   */
  streamsPerSubscribe?: number;
}

/** Binance's spot stream endpoint. `wss://data-stream.binance.vision` serves the same market data. */
export const BINANCE_STREAM_URL = 'wss://stream.binance.com:9443';

/** Binance closes every connection at 24 h; rotate an hour before. */
export const BINANCE_ROTATE_AFTER_MS = 23 * 60 * 60 * 1000;

/**
 * Binance spot trades (`<market>@trade`, one frame per trade) for the price symbols, vs USDT.
 *
 * Wire: opens the combined-stream endpoint `<url>/stream` (so every payload arrives wrapped
 * as {"stream","data"} and names its stream) and subscribes live with
 * {"method":"SUBSCRIBE","params":["btcusdt@trade",…],"id":n}. Binance counts every inbound
 * message (pings, pongs, JSON requests) against 5 per second per connection and disconnects
 * above that, so subscribes are paced at 4 per second by default: one slot stays free for
 * the pong answering the server's ping. A `serverShutdown` notice starts a make-before-break
 * rotation at once; the 24 h connection limit is pre-empted by a planned rotation at 23 h.
 *
 * Defaults: url BINANCE_STREAM_URL; staleAfterMs 30 000 (Binance sends no heartbeat frames,
 * and the 20 markets trade every second); rotateAfterMs 23 h; rateLimit 4 per 1000 ms.
 */
export class BinanceTradeFeed extends VenueTradeFeed {
  constructor(options: BinanceTradeFeedOptions) {
    const perMessage = options.streamsPerSubscribe ?? 100;
    if (!Number.isInteger(perMessage) || perMessage < 1 || perMessage > 1024)
      throw new InvalidConfigError([`streamsPerSubscribe must be an integer 1..1024, got ${perMessage}`]);
    super(
      {
        venue: 'binance',
        markets: BINANCE_MARKETS,
        url: BINANCE_STREAM_URL,
        staleAfterMs: 30_000,
        rotateAfterMs: BINANCE_ROTATE_AFTER_MS,
        rateLimit: { maxMessages: 4, perMs: 1000 },
        protocol: ({ url, markets, frameContext }) => binanceProtocol(url, markets, perMessage, frameContext),
      },
      options,
    );
  }
}

function binanceProtocol(url: string, markets: VenueMarketMap, perMessage: number, frameContext: (nowMs: number) => FrameContext): VenueProtocol {
  const base = url.replace(/\/+$/, '');
  const endpoint = base.endsWith('/stream') ? base : `${base}/stream`;
  const streams = markets.symbols().map((symbol) => `${markets.toMarket(symbol)!.toLowerCase()}@trade`);
  let requestId = 0;
  return {
    venue: 'binance',
    connectUrl: () => endpoint,
    subscribeMessages: () => {
      const messages: string[] = [];
      for (let i = 0; i < streams.length; i += perMessage) {
        messages.push(JSON.stringify({ method: 'SUBSCRIBE', params: streams.slice(i, i + perMessage), id: ++requestId }));
      }
      return messages;
    },
    decode: (text, nowMs) => decodeBinanceFrame(text, frameContext(nowMs)),
  };
}

import { DASHBOARD_SCRIPT_BASE } from './dashboard-script-base';
import { DASHBOARD_SCRIPT_WIRE } from './dashboard-script-wire';
import { DASHBOARD_SCRIPT_PRICES } from './dashboard-script-prices';
import { DASHBOARD_SCRIPT_CANDLES } from './dashboard-script-candles';
import { DASHBOARD_SCRIPT_CANVAS } from './dashboard-script-canvas';
import { DASHBOARD_SCRIPT_WIRING } from './dashboard-script-wiring';

/**
 * The dashboard's inline browser script (plain ES2020, no build step, no dependency but the
 * Socket.IO client the gateway serves). It speaks the two public protocols exactly as any
 * client would: Socket.IO `/api-ws` with `auth.apiKey` for prices, and WebSocket
 * `/ws/chart-live?apiKey=` for candles (browsers cannot set headers), using only opt-in
 * extensions a base server ignores or refuses cleanly (`id`, `history`, `unsubscribe`).
 *
 * Rules kept here: every value from the network or the user reaches the DOM through
 * textContent / dataset / option values, never innerHTML; no `</` sequence (the script is
 * inlined in the page); the key is never written anywhere but localStorage and the two
 * connection requests.
 *
 * Written as String.raw templates so escapes like '\u00b7' reach the browser unchanged:
 * they must contain no backtick and no dollar-brace. One IIFE split by concern into parts that
 * are concatenated unchanged (a bundler would add a build step to a page that has none). The
 * wire values the script reacts to (close codes, error prefixes) come from @mdg/protocol, as
 * JSON, in dashboard-script-wire.ts.
 */
export const DASHBOARD_SCRIPT = [
  DASHBOARD_SCRIPT_BASE,
  DASHBOARD_SCRIPT_WIRE,
  DASHBOARD_SCRIPT_PRICES,
  DASHBOARD_SCRIPT_CANDLES,
  DASHBOARD_SCRIPT_CANVAS,
  DASHBOARD_SCRIPT_WIRING,
].join('');

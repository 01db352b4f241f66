import { DASHBOARD_MARKUP } from './dashboard-markup';
import { DASHBOARD_SCRIPT } from './dashboard-script';
import { DASHBOARD_STYLES } from './dashboard-styles';

export interface DashboardPageOptions {
  /**
   * A key to prefill when the browser has none of its own (the embedded demo's Pro key).
   * It is embedded in the page, so pass one only where showing it to every visitor is fine.
   */
  demoKey?: string;
}

/** What an HTTP handler sends: the shape `registerHttpRoutes`' `dashboard()` handler returns. */
export interface DashboardPage {
  contentType: string;
  body: string;
}

export const DASHBOARD_CONTENT_TYPE = 'text/html; charset=utf-8';

/**
 * `GET /` (PROTOCOL.md section C): one self-contained HTML document (inline CSS and script, no
 * build step, nothing from another origin) that shows the gateway live through its own public
 * protocols: a price table from Socket.IO `/api-ws` (loading the client the gateway serves at
 * `/socket.io/socket.io.min.js`), candlesticks from `/ws/chart-live`, tokens from `/instruments`.
 */
export function dashboardPage(options: DashboardPageOptions = {}): DashboardPage {
  const config = { demoKey: options.demoKey !== undefined && options.demoKey !== '' ? options.demoKey : null };
  const body = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    // No favicon request (it would 404 on the gateway).
    '<link rel="icon" href="data:,">',
    '<title>mdg · live market data</title>',
    `<style>${DASHBOARD_STYLES}</style>`,
    '</head>',
    '<body>',
    DASHBOARD_MARKUP,
    `<script type="application/json" id="mdg-config">${jsonForScriptElement(config)}</script>`,
    `<script>${DASHBOARD_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return { contentType: DASHBOARD_CONTENT_TYPE, body };
}

/**
 * JSON safe inside a <script> element: `<`, `>` and `&` become \u escapes (so no `</script>`
 * or `<!--` can end or confuse the element), and so do U+2028/U+2029.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

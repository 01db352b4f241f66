/**
 * The dashboard's static markup (the body before the scripts). Nothing here depends on data:
 * every value the page shows later is set by the script with textContent.
 */
export const DASHBOARD_MARKUP = String.raw`
<header class="top">
  <div class="brand"><span class="logo">mdg</span><span class="subtitle">market-data gateway &middot; live dashboard</span></div>
  <div class="statuses">
    <span class="status" id="status-prices" data-state="idle" title="Socket.IO /api-ws"><span class="dot"></span><span class="name">/api-ws</span><span class="text">not connected</span></span>
    <span class="status" id="status-chart" data-state="idle" title="WebSocket /ws/chart-live"><span class="dot"></span><span class="name">/ws/chart-live</span><span class="text">not connected</span></span>
  </div>
</header>
<section class="keybar">
  <form id="key-form" autocomplete="off">
    <label for="api-key">API key</label>
    <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false" placeholder="ci_live_... or ci_test_...">
    <button type="button" id="toggle-key" aria-controls="api-key">Show</button>
    <button type="submit" id="connect" class="primary">Connect</button>
    <button type="button" id="disconnect">Disconnect</button>
    <button type="button" id="use-demo" hidden>Use demo key</button>
  </form>
  <p class="hint" id="key-hint">Prices need a key of a user with an active Pro plan; candles accept any valid key. The key stays in this browser (localStorage).</p>
</section>
<div id="errors" class="errors" role="alert" aria-live="polite"></div>
<main>
  <section class="panel prices" aria-labelledby="prices-title">
    <div class="panel-head">
      <h2 id="prices-title">Prices<small>/api-ws</small></h2>
      <span class="meta" id="price-meta">waiting for a connection</span>
    </div>
    <table id="price-table">
      <thead>
        <tr><th scope="col">Symbol</th><th scope="col">Price (USD)</th><th scope="col">24 h change</th><th scope="col">24 h %</th><th scope="col">24 h volume</th><th scope="col">Last trade</th><th scope="col">seq</th></tr>
      </thead>
      <tbody id="price-rows"></tbody>
    </table>
  </section>
  <section class="panel chart" aria-labelledby="chart-title">
    <div class="panel-head">
      <h2 id="chart-title">Candles<small>/ws/chart-live</small></h2>
      <div class="controls">
        <label>Token <select id="token"><option value="">loading...</option></select></label>
        <label>Timeframe <select id="timeframe"></select></label>
      </div>
    </div>
    <div class="token-info" id="token-info"></div>
    <div class="canvas-wrap">
      <canvas id="chart" data-candles="0" aria-label="Candlestick chart of the chosen token" role="img"></canvas>
      <div class="chart-empty" id="chart-empty">Not connected</div>
    </div>
    <dl class="readout" id="readout" data-time="" data-close="" data-closed="">
      <div><dt>Candle</dt><dd id="ro-time">&mdash;</dd></div>
      <div><dt>State</dt><dd id="ro-state">&mdash;</dd></div>
      <div><dt>Open</dt><dd id="ro-open">&mdash;</dd></div>
      <div><dt>High</dt><dd id="ro-high">&mdash;</dd></div>
      <div><dt>Low</dt><dd id="ro-low">&mdash;</dd></div>
      <div><dt>Close</dt><dd id="ro-close">&mdash;</dd></div>
      <div><dt>Volume (USD)</dt><dd id="ro-volume">&mdash;</dd></div>
      <div><dt>Trades (buy/sell)</dt><dd id="ro-trades">&mdash;</dd></div>
    </dl>
  </section>
</main>
<footer>
  Prices: Socket.IO namespace <code>/api-ws</code> (<code>initial-prices</code>, <code>price-update</code>).
  Candles: WebSocket <code>/ws/chart-live</code>. Instruments: <code>GET /instruments</code>. Metrics: <code>GET /metrics</code>.
</footer>
`;

/**
 * Part of the dashboard's inline browser script (assembled, in order, by dashboard-script.ts):
 * controls, connect/disconnect, boot (closes the function).
 * A fragment of one function body, so it shares that function's scope with the other parts
 * and is not a script on its own; dashboard-page.spec.ts compiles the assembled whole and
 * dashboard-browser.spec.ts runs it in Chromium. Same String.raw rules: no backtick, no dollar-brace.
 */
export const DASHBOARD_SCRIPT_WIRING = String.raw`  // ---- wiring ------------------------------------------------------------------------------------

  function fillTokens() {
    dom.token.replaceChildren();
    if (!tokens.length) {
      var none = document.createElement('option');
      none.value = '';
      none.textContent = 'no tokens';
      dom.token.append(none);
      dom.token.disabled = true;
      return;
    }
    dom.token.disabled = false;
    tokens.forEach(function (token) {
      var option = document.createElement('option');
      option.value = token.tokenAddress;
      option.textContent = (token.symbol || '?') + ' \u00b7 ' + shortAddress(token.tokenAddress);
      dom.token.append(option);
    });
  }

  function fillTimeframes(timeframes) {
    dom.timeframe.replaceChildren();
    timeframes.forEach(function (seconds) {
      var option = document.createElement('option');
      option.value = String(seconds);
      option.textContent = tfLabel(seconds);
      dom.timeframe.append(option);
    });
  }

  var selectionTimer = 0;

  /** Debounced: scrolling through the list with the keyboard must not hit the server's inbound rate limit. */
  function onSelectionChange() {
    clearTimeout(selectionTimer);
    selectionTimer = setTimeout(function () {
      var timeframe = Number(dom.timeframe.value);
      selectStream(dom.token.value, Number.isInteger(timeframe) && timeframe > 0 ? timeframe : DEFAULT_TIMEFRAME);
    }, 150);
  }

  function connect() {
    var key = dom.key.value.trim();
    clearErrors();
    if (!key) {
      reportError('key', 'Enter an API key first');
      dom.key.focus();
      return;
    }
    save(STORE.key, key);
    save(STORE.keyIsDemo, key === config.demoKey ? '1' : '0');
    connectPrices(key);
    connectChart(key);
  }

  function disconnect() {
    disconnectPrices();
    disconnectChart();
    setStatus(dom.statusPrices, 'idle', 'disconnected');
    setStatus(dom.statusChart, 'idle', 'disconnected');
    setEmpty(chart.candles.length ? '' : 'Not connected');
    refreshPriceMeta();
  }

  /** A key typed by the user wins; a stored demo key is replaced by this server's (demo keys change at every start). */
  function initialKey() {
    var stored = load(STORE.key);
    var storedIsDemo = load(STORE.keyIsDemo) === '1';
    if (stored && !(storedIsDemo && config.demoKey)) return stored;
    return config.demoKey || stored || '';
  }

  function boot() {
    dom.key.value = initialKey();
    dom.useDemo.hidden = !config.demoKey;
    fillTimeframes(FALLBACK_TIMEFRAMES);
    dom.form.addEventListener('submit', function (event) {
      event.preventDefault();
      connect();
    });
    dom.toggleKey.addEventListener('click', function () {
      var hidden = dom.key.type === 'password';
      dom.key.type = hidden ? 'text' : 'password';
      dom.toggleKey.textContent = hidden ? 'Hide' : 'Show';
    });
    dom.disconnect.addEventListener('click', disconnect);
    dom.useDemo.addEventListener('click', function () {
      dom.key.value = config.demoKey;
      connect();
    });
    dom.token.addEventListener('change', onSelectionChange);
    dom.timeframe.addEventListener('change', onSelectionChange);
    dom.canvas.addEventListener('mousemove', onPointer);
    dom.canvas.addEventListener('mouseleave', function () {
      chart.hoverTime = null;
      showReadout();
      scheduleDraw();
    });
    if (typeof ResizeObserver === 'function') new ResizeObserver(scheduleDraw).observe(dom.canvas);
    window.addEventListener('resize', scheduleDraw);
    setInterval(measureRate, 1000);

    Promise.all([loadInstruments(), loadSocketIoClient()]).then(function (loaded) {
      var instruments = loaded[0];
      instruments.symbols.forEach(function (symbol) { ensureRow(symbol.toUpperCase()); });
      tokens = instruments.tokens;
      fillTokens();
      fillTimeframes(instruments.timeframes);
      var storedToken = load(STORE.token);
      var storedTimeframe = Number(load(STORE.timeframe));
      var token = currentTokenOr(storedToken);
      var timeframe = instruments.timeframes.indexOf(storedTimeframe) >= 0 ? storedTimeframe : instruments.timeframes.indexOf(DEFAULT_TIMEFRAME) >= 0 ? DEFAULT_TIMEFRAME : instruments.timeframes[0];
      dom.token.value = token;
      dom.timeframe.value = String(timeframe);
      chart.token = token;
      chart.timeframe = timeframe;
      showTokenInfo();
      showReadout();
      document.body.dataset.ready = 'true';
      if (dom.key.value.trim()) {
        connect();
      } else {
        setEmpty('Enter an API key and press Connect');
        dom.key.focus();
      }
    });
  }

  function currentTokenOr(stored) {
    for (var i = 0; i < tokens.length; i += 1) if (tokens[i].tokenAddress === stored) return stored;
    return tokens.length ? tokens[0].tokenAddress : '';
  }

  boot();
})();
`;

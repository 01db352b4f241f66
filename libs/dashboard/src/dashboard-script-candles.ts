/**
 * Part of the dashboard's inline browser script (assembled, in order, by dashboard-script.ts):
 * the candle stream over /ws/chart-live: connect, subscribe with history, merge updates, token readout.
 * A fragment of one function body, so it shares that function's scope with the other parts
 * and is not a script on its own; dashboard-page.spec.ts compiles the assembled whole and
 * dashboard-browser.spec.ts runs it in Chromium. Same String.raw rules: no backtick, no dollar-brace.
 */
export const DASHBOARD_SCRIPT_CANDLES = String.raw`  // ---- candles (/ws/chart-live) ------------------------------------------------------------

  var tokens = [];
  var chart = {
    ws: null, key: '', token: '', timeframe: DEFAULT_TIMEFRAME, candles: [],
    history: true, requests: new Map(), pendingId: '', requestSeq: 0, subscribed: false,
    retries: 0, retryTimer: 0, authFailed: false, hoverTime: null, layout: null,
  };

  function chartUrl(key) {
    return (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws/chart-live?apiKey=' + encodeURIComponent(key);
  }

  function connectChart(key) {
    disconnectChart();
    chart.key = key;
    chart.retries = 0;
    openChart();
  }

  function openChart() {
    clearTimeout(chart.retryTimer);
    chart.retryTimer = 0;
    chart.authFailed = false;
    chart.subscribed = false;
    chart.requests.clear();
    var ws;
    try {
      ws = new WebSocket(chartUrl(chart.key));
    } catch (error) {
      setStatus(dom.statusChart, 'error', 'cannot connect');
      reportError('chart-live', messageOf(error));
      return;
    }
    chart.ws = ws;
    setStatus(dom.statusChart, 'connecting', 'connecting\u2026');
    setEmpty(chart.candles.length ? '' : 'Connecting\u2026');
    ws.onmessage = function (event) {
      if (chart.ws === ws) onChartMessage(ws, event.data);
    };
    ws.onclose = function (event) {
      if (chart.ws === ws) onChartClose(event);
    };
  }

  function disconnectChart() {
    clearTimeout(chart.retryTimer);
    chart.retryTimer = 0;
    var ws = chart.ws;
    chart.ws = null;
    chart.subscribed = false;
    if (ws) ws.close(1000, 'dashboard disconnect');
  }

  function send(ws, message) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function onChartMessage(ws, data) {
    var message;
    try {
      message = JSON.parse(data);
    } catch (error) {
      reportError('chart-live', 'Unreadable message from the server: ' + messageOf(error));
      return;
    }
    if (!message || typeof message !== 'object') return;
    if (message.type === 'connected') {
      chart.retries = 0;
      clearErrors('chart-live');
      setStatus(dom.statusChart, 'live', 'live');
      subscribeCurrent();
    } else if (message.type === 'subscriptionConfirmed') {
      var request = chart.requests.get(message.id);
      chart.requests.delete(message.id);
      // A server without the id extension confirms without it: take it as the pending one.
      if (message.id === chart.pendingId || (message.id === undefined && chart.pendingId !== '')) {
        chart.subscribed = true;
        setEmpty(chart.candles.length ? '' : 'Subscribed \u00b7 waiting for the first trade\u2026');
      } else if (request) {
        // Confirmed after the user had already moved on: drop it.
        send(ws, { type: 'unsubscribe', tokenAddress: request.token, timeframe: request.timeframe });
      }
    } else if (message.type === 'error') {
      onChartError(message);
    } else if (message.event === 'history' && isCurrent(message)) {
      if (Array.isArray(message.candles)) message.candles.forEach(function (candle) { upsertCandle(candle, true); });
      candlesChanged();
    } else if (message.event === 'chart' && isCurrent(message)) {
      upsertCandle(message.candle, false);
      candlesChanged();
    }
  }

  function onChartError(message) {
    var text = typeof message.message === 'string' ? message.message : 'unknown error';
    var code = typeof message.code === 'string' ? message.code : '';
    var mine = message.id !== undefined && message.id === chart.pendingId;
    if (message.id !== undefined) chart.requests.delete(message.id);
    if (mine && code === 'INVALID_HISTORY' && chart.history) {
      // This node keeps no candle history: subscribe to live candles only, from now on.
      chart.history = false;
      subscribeCurrent();
      return;
    }
    if (code === 'AUTH_FAILED' || code === 'AUTH_RATE_LIMITED' || text.indexOf(WIRE.authFailurePrefix) === 0) {
      chart.authFailed = true;
      setStatus(dom.statusChart, 'error', 'authentication failure');
    }
    if (mine) setEmpty('Subscription refused: ' + text);
    reportError('chart-live', code ? text + ' (' + code + ')' : text);
  }

  function onChartClose(event) {
    chart.ws = null;
    chart.subscribed = false;
    var why = event.code + (event.reason ? ' ' + event.reason : '');
    if (event.code === WIRE.authFailedCloseCode || chart.authFailed) {
      setStatus(dom.statusChart, 'error', 'authentication failure');
      setEmpty('Not connected: the key was refused');
      return;
    }
    var delay = Math.round(Math.min(30000, 1000 * Math.pow(2, chart.retries)) * (0.75 + Math.random() * 0.5));
    chart.retries += 1;
    setStatus(dom.statusChart, 'connecting', 'reconnecting in ' + Math.max(1, Math.round(delay / 1000)) + ' s (' + why + ')');
    reportError('chart-live', 'Connection closed (' + why + '); reconnecting');
    chart.retryTimer = setTimeout(openChart, delay);
  }

  function isCurrent(message) {
    return message.tokenAddress === chart.token && message.timeframe === chart.timeframe;
  }

  function subscribeCurrent() {
    var ws = chart.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (!chart.token) {
      setEmpty('No chart-live token to show (see /instruments)');
      return;
    }
    chart.requestSeq += 1;
    chart.pendingId = 'dashboard-' + chart.requestSeq;
    chart.requests.set(chart.pendingId, { token: chart.token, timeframe: chart.timeframe });
    var message = { tokenAddress: chart.token, timeframe: chart.timeframe, id: chart.pendingId };
    if (chart.history) message.history = HISTORY_CANDLES;
    send(ws, message);
    if (!chart.candles.length) setEmpty('Subscribing\u2026');
  }

  function selectStream(token, timeframe) {
    if (token === chart.token && timeframe === chart.timeframe) return;
    var ws = chart.ws;
    if (ws && chart.subscribed && chart.token) send(ws, { type: 'unsubscribe', tokenAddress: chart.token, timeframe: chart.timeframe });
    chart.token = token;
    chart.timeframe = timeframe;
    chart.candles = [];
    chart.subscribed = false;
    chart.pendingId = '';
    chart.hoverTime = null;
    save(STORE.token, token);
    save(STORE.timeframe, String(timeframe));
    showTokenInfo();
    candlesChanged();
    if (ws) subscribeCurrent();
  }

  function toCandle(raw, fromHistory) {
    if (!raw || typeof raw !== 'object') return null;
    if (![raw.time, raw.open, raw.high, raw.low, raw.close].every(isNumber)) return null;
    return {
      time: raw.time, open: raw.open, high: raw.high, low: raw.low, close: raw.close,
      volume: raw.volume, volumeUsd: isNumber(raw.volumeUsd) ? raw.volumeUsd : 0,
      trades: raw.trades, buys: raw.buys, sells: raw.sells,
      closed: raw.closed === true || fromHistory,
    };
  }

  function upsertCandle(raw, fromHistory) {
    var candle = toCandle(raw, fromHistory);
    if (!candle) return;
    var list = chart.candles;
    var i = list.length - 1;
    while (i >= 0 && list[i].time > candle.time) i -= 1;
    if (i >= 0 && list[i].time === candle.time) {
      if (list[i].closed && !candle.closed) return; // a final is final
      list[i] = candle;
    } else {
      list.splice(i + 1, 0, candle);
    }
    if (list.length > MAX_CANDLES) list.splice(0, list.length - MAX_CANDLES);
  }

  /** Closed when the server said so, or once a later bucket exists (a base server sends no 'closed'). */
  function isClosed(index) {
    return chart.candles[index].closed || index < chart.candles.length - 1;
  }

  function candlesChanged() {
    if (chart.candles.length) setEmpty('');
    showReadout();
    scheduleDraw();
  }

  function setEmpty(text) {
    dom.chartEmpty.textContent = text;
    dom.chartEmpty.hidden = text === '';
  }

  function currentToken() {
    for (var i = 0; i < tokens.length; i += 1) if (tokens[i].tokenAddress === chart.token) return tokens[i];
    return null;
  }

  function showTokenInfo() {
    var token = currentToken();
    dom.tokenInfo.replaceChildren();
    if (!token) return;
    var symbol = textSpan('sym', token.symbol || '?');
    var address = textSpan('addr', token.tokenAddress);
    address.title = 'token address (mint)';
    dom.tokenInfo.append(symbol, address);
    if (token.quoteToken) {
      var quote = textSpan('quote', 'quote ' + shortAddress(token.quoteToken));
      quote.title = token.quoteToken;
      dom.tokenInfo.append(quote);
    }
    if (token.decimals !== null) dom.tokenInfo.append(textSpan('decimals', token.decimals + ' decimals'));
  }

  function showReadout() {
    var list = chart.candles;
    var last = list[list.length - 1];
    var shown = last;
    if (chart.hoverTime !== null) {
      for (var i = 0; i < list.length; i += 1) if (list[i].time === chart.hoverTime) shown = list[i];
    }
    // Data attributes always describe the newest candle (tests and tools read them).
    dom.readout.dataset.token = chart.token;
    dom.readout.dataset.timeframe = String(chart.timeframe);
    dom.readout.dataset.count = String(list.length);
    dom.readout.dataset.time = last ? String(last.time) : '';
    dom.readout.dataset.close = last ? String(last.close) : '';
    dom.readout.dataset.closed = last ? String(isClosed(list.length - 1)) : '';
    var ro = dom.ro;
    if (!shown) {
      ['time', 'state', 'open', 'high', 'low', 'close', 'volume', 'trades'].forEach(function (name) { ro[name].textContent = '\u2014'; });
      return;
    }
    var closed = isClosed(list.indexOf(shown));
    ro.time.textContent = candleDateTime(shown.time, chart.timeframe) + ' \u00b7 ' + tfLabel(chart.timeframe);
    ro.state.textContent = closed ? 'closed' : 'open \u00b7 updating';
    ro.state.className = closed ? '' : 'pos';
    ro.open.textContent = fmtPrice(shown.open);
    ro.high.textContent = fmtPrice(shown.high);
    ro.low.textContent = fmtPrice(shown.low);
    ro.close.textContent = fmtPrice(shown.close);
    ro.close.className = shown.close >= shown.open ? 'pos' : 'neg';
    ro.volume.textContent = fmtUsd(shown.volumeUsd);
    ro.trades.textContent = isNumber(shown.trades) ? shown.trades + (isNumber(shown.buys) && isNumber(shown.sells) ? ' (' + shown.buys + '/' + shown.sells + ')' : '') : '\u2014';
  }

`;

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
 * Written as a String.raw template so escapes like '\u00b7' reach the browser unchanged:
 * it must contain no backtick and no dollar-brace.
 */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';

  var FALLBACK_SYMBOLS = ['BTC', 'ETH', 'LTC', 'XRP', 'BCH', 'ADA', 'DOT', 'LINK', 'BNB', 'DOGE', 'UNI', 'SOL', 'MATIC', 'AVAX', 'ATOM', 'XLM', 'ALGO', 'VET', 'ICP', 'FIL'];
  var FALLBACK_TIMEFRAMES = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 14400, 86400];
  var DEFAULT_TIMEFRAME = 1;
  var STORE = { key: 'mdg.dashboard.apiKey', keyIsDemo: 'mdg.dashboard.apiKeyIsDemo', token: 'mdg.dashboard.token', timeframe: 'mdg.dashboard.timeframe' };
  var HISTORY_CANDLES = 300;
  var MAX_CANDLES = 600;
  var MAX_ERRORS = 6;
  var STALE_AFTER_MS = 10000;
  var COLORS = {
    up: '#26a69a', down: '#ef5350', upSoft: 'rgba(38, 166, 154, 0.28)', downSoft: 'rgba(239, 83, 80, 0.28)',
    upVolume: 'rgba(38, 166, 154, 0.35)', downVolume: 'rgba(239, 83, 80, 0.35)',
    grid: '#1f2832', axis: '#8b98a5', faint: '#5c6773', crosshair: 'rgba(139, 152, 165, 0.55)', text: '#e6edf3',
  };
  var MONO = '11px ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace';

  function byId(id) {
    var element = document.getElementById(id);
    if (!element) throw new Error('dashboard markup lacks #' + id);
    return element;
  }

  var dom = {
    key: byId('api-key'), form: byId('key-form'), toggleKey: byId('toggle-key'), disconnect: byId('disconnect'), useDemo: byId('use-demo'),
    errors: byId('errors'), statusPrices: byId('status-prices'), statusChart: byId('status-chart'),
    rows: byId('price-rows'), priceMeta: byId('price-meta'),
    token: byId('token'), timeframe: byId('timeframe'), tokenInfo: byId('token-info'),
    canvas: byId('chart'), chartEmpty: byId('chart-empty'), readout: byId('readout'),
    ro: { time: byId('ro-time'), state: byId('ro-state'), open: byId('ro-open'), high: byId('ro-high'), low: byId('ro-low'), close: byId('ro-close'), volume: byId('ro-volume'), trades: byId('ro-trades') },
  };
  var config = readConfig();

  // ---- small helpers ---------------------------------------------------------------------

  function readConfig() {
    var element = document.getElementById('mdg-config');
    if (!element) return { demoKey: '' };
    try {
      var value = JSON.parse(element.textContent || '{}');
      return { demoKey: value && typeof value.demoKey === 'string' ? value.demoKey : '' };
    } catch (error) {
      console.error('mdg dashboard: unreadable page config', error);
      return { demoKey: '' };
    }
  }

  function load(name) {
    try {
      return window.localStorage.getItem(name);
    } catch (error) {
      console.warn('mdg dashboard: localStorage unavailable', error);
      return null;
    }
  }

  function save(name, value) {
    try {
      window.localStorage.setItem(name, value);
    } catch (error) {
      console.warn('mdg dashboard: localStorage unavailable', error);
    }
  }

  function messageOf(error) {
    return error && typeof error.message === 'string' ? error.message : String(error);
  }

  function pad2(n) {
    return n < 10 ? '0' + n : String(n);
  }

  function clock(ms) {
    var d = new Date(ms);
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  }

  function isNumber(value) {
    return typeof value === 'number' && Number.isFinite(value);
  }

  /** Fixed decimals by magnitude: 5 significant digits below 1 (memecoins), cents above 100. */
  function priceDecimals(abs) {
    if (!(abs > 0)) return 2;
    if (abs >= 100) return 2;
    if (abs >= 1) return 4;
    return Math.min(12, 4 - Math.floor(Math.log10(abs)));
  }

  function fmtFixed(value, decimals) {
    return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }

  function fmtPrice(value) {
    return isNumber(value) ? fmtFixed(value, priceDecimals(Math.abs(value))) : '\u2014';
  }

  /** A sign only when the shown digits are not all zero (no "-0.00"). */
  function signed(text, value) {
    if (!/[1-9]/.test(text)) return text.replace('-', '');
    return value > 0 ? '+' + text : text;
  }

  function fmtSignedPrice(value, reference) {
    if (!isNumber(value)) return '\u2014';
    return signed(fmtFixed(value, priceDecimals(Math.abs(isNumber(reference) ? reference : value))), value);
  }

  function fmtPercent(value) {
    if (!isNumber(value)) return '\u2014';
    return signed(value.toFixed(2), value) + '%';
  }

  var compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
  function fmtUsd(value) {
    return isNumber(value) ? '$' + compact.format(value) : '\u2014';
  }

  /** Colour of a shown signed number: by its sign, none when it shows zero. */
  function signClass(text) {
    return text.charAt(0) === '+' ? 'pos' : text.charAt(0) === '-' ? 'neg' : '';
  }

  function tfLabel(seconds) {
    if (seconds % 86400 === 0) return seconds / 86400 + 'd';
    if (seconds % 3600 === 0) return seconds / 3600 + 'h';
    if (seconds % 60 === 0) return seconds / 60 + 'm';
    return seconds + 's';
  }

  function shortAddress(address) {
    return address.length > 14 ? address.slice(0, 6) + '\u2026' + address.slice(-4) : address;
  }

  function candleTime(ms, timeframe) {
    var d = new Date(ms);
    var hm = pad2(d.getHours()) + ':' + pad2(d.getMinutes());
    if (timeframe < 60) return hm + ':' + pad2(d.getSeconds());
    if (timeframe < 86400) return hm;
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate());
  }

  function candleDateTime(ms, timeframe) {
    var d = new Date(ms);
    var date = d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate());
    return timeframe >= 86400 ? date : date + ' ' + clock(ms);
  }

  // ---- status and errors -------------------------------------------------------------------

  function setStatus(element, state, text) {
    element.dataset.state = state;
    element.querySelector('.text').textContent = text;
    element.title = (element === dom.statusPrices ? 'Socket.IO /api-ws: ' : 'WebSocket /ws/chart-live: ') + text;
    if (element === dom.statusPrices) refreshPriceMeta();
  }

  var errorItems = new Map();

  /** Shows an error (newest first); the same message again bumps a counter instead of piling up. */
  function reportError(source, message) {
    var id = source + '|' + message;
    var now = clock(Date.now());
    var existing = errorItems.get(id);
    if (existing) {
      existing.count += 1;
      existing.countEl.textContent = '\u00d7' + existing.count;
      existing.whenEl.textContent = now;
      dom.errors.prepend(existing.el);
      return;
    }
    var el = document.createElement('div');
    el.className = 'error-item';
    el.dataset.source = source;
    var whenEl = textSpan('when', now);
    var countEl = textSpan('count', '');
    var dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.textContent = '\u00d7';
    dismiss.title = 'Dismiss';
    dismiss.setAttribute('aria-label', 'Dismiss this error');
    dismiss.addEventListener('click', function () {
      removeError(id);
    });
    el.append(whenEl, textSpan('source', source), textSpan('message', message), countEl, dismiss);
    dom.errors.prepend(el);
    errorItems.set(id, { el: el, count: 1, countEl: countEl, whenEl: whenEl });
    while (errorItems.size > MAX_ERRORS) {
      var oldest = dom.errors.lastElementChild;
      var oldestId = null;
      errorItems.forEach(function (item, key) {
        if (item.el === oldest) oldestId = key;
      });
      if (oldestId === null) break;
      removeError(oldestId);
    }
  }

  function removeError(id) {
    var item = errorItems.get(id);
    if (!item) return;
    item.el.remove();
    errorItems.delete(id);
  }

  /** Forgets the errors of one source (all when none given): they are stale once it works again. */
  function clearErrors(source) {
    Array.from(errorItems.keys()).forEach(function (id) {
      if (source === undefined || id.indexOf(source + '|') === 0) removeError(id);
    });
  }

  function textSpan(className, text) {
    var span = document.createElement('span');
    span.className = className;
    span.textContent = text;
    return span;
  }

  // ---- instruments ---------------------------------------------------------------------------

  function parseInstruments(body) {
    var prices = body && body.prices;
    var chartLive = body && body.chartLive;
    var symbols = prices && Array.isArray(prices.symbols) ? prices.symbols.filter(function (s) { return typeof s === 'string' && s !== ''; }) : FALLBACK_SYMBOLS;
    var timeframes = chartLive && Array.isArray(chartLive.timeframes) ? chartLive.timeframes.filter(function (t) { return Number.isInteger(t) && t > 0; }) : FALLBACK_TIMEFRAMES;
    var tokens = chartLive && Array.isArray(chartLive.tokens)
      ? chartLive.tokens
          .filter(function (t) { return t && typeof t.tokenAddress === 'string' && t.tokenAddress !== ''; })
          .map(function (t) {
            return {
              tokenAddress: t.tokenAddress,
              symbol: typeof t.symbol === 'string' ? t.symbol : '',
              quoteToken: typeof t.quoteToken === 'string' ? t.quoteToken : '',
              decimals: Number.isInteger(t.decimals) ? t.decimals : null,
            };
          })
      : [];
    return { symbols: symbols.length ? symbols : FALLBACK_SYMBOLS, timeframes: timeframes.length ? timeframes : FALLBACK_TIMEFRAMES, tokens: tokens };
  }

  function loadInstruments() {
    return fetch('/instruments', { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('GET /instruments answered ' + response.status);
        return response.json();
      })
      .then(parseInstruments)
      .catch(function (error) {
        reportError('instruments', 'Cannot load /instruments: ' + messageOf(error));
        return { symbols: FALLBACK_SYMBOLS, timeframes: FALLBACK_TIMEFRAMES, tokens: [] };
      });
  }

  function loadSocketIoClient() {
    if (typeof window.io === 'function') return Promise.resolve();
    return new Promise(function (resolve) {
      var script = document.createElement('script');
      script.src = '/socket.io/socket.io.min.js';
      script.onload = function () {
        resolve();
      };
      script.onerror = function () {
        reportError('api-ws', 'Cannot load the Socket.IO client from /socket.io/socket.io.min.js');
        resolve();
      };
      document.head.append(script);
    });
  }

  // ---- price table (/api-ws) ----------------------------------------------------------------

  var rows = new Map();
  var priceStats = { total: 0, lastTotal: 0, rate: 0, lastAt: 0, gaps: 0, invalid: 0 };
  var socket = null;

  function ensureRow(symbol) {
    var row = rows.get(symbol);
    if (row) return row;
    var tr = document.createElement('tr');
    tr.dataset.symbol = symbol;
    var cells = {};
    ['symbol', 'price', 'change', 'pct', 'volume', 'time', 'seq'].forEach(function (name) {
      var td = document.createElement('td');
      td.className = name;
      tr.append(td);
      cells[name] = td;
    });
    cells.symbol.textContent = symbol;
    dom.rows.append(tr);
    row = { tr: tr, cells: cells, price: null, seq: null, updates: 0 };
    rows.set(symbol, row);
    blankRow(row);
    return row;
  }

  function blankRow(row) {
    if (typeof row.tr.getAnimations === 'function') row.tr.getAnimations().forEach(function (animation) { animation.cancel(); });
    ['price', 'change', 'pct', 'volume', 'time', 'seq'].forEach(function (name) {
      row.cells[name].textContent = '\u2014';
      row.cells[name].className = name;
    });
    row.price = null;
    row.seq = null;
    row.updates = 0;
    row.tr.dataset.price = '';
    row.tr.dataset.seq = '';
    row.tr.dataset.updates = '0';
  }

  function applyUpdate(update, live) {
    if (!update || typeof update.symbol !== 'string' || !isNumber(update.price)) {
      priceStats.invalid += 1;
      return;
    }
    var row = ensureRow(update.symbol.toUpperCase());
    var previous = row.price;
    var seq = isNumber(update.seq) ? update.seq : null;
    if (live && seq !== null && row.seq !== null && seq > row.seq + 1) priceStats.gaps += seq - row.seq - 1;
    row.price = update.price;
    row.seq = seq;
    row.updates += 1;
    var cells = row.cells;
    cells.price.textContent = fmtPrice(update.price);
    cells.change.textContent = fmtSignedPrice(update.change, update.price);
    cells.change.className = 'change ' + signClass(cells.change.textContent);
    cells.pct.textContent = fmtPercent(update.changePercent);
    cells.pct.className = 'pct ' + signClass(cells.pct.textContent);
    cells.volume.textContent = fmtUsd(update.volume);
    cells.time.textContent = isNumber(update.timestamp) ? clock(update.timestamp * 1000) : '\u2014';
    cells.seq.textContent = seq === null ? '\u2014' : String(seq);
    row.tr.dataset.price = String(update.price);
    row.tr.dataset.seq = seq === null ? '' : String(seq);
    row.tr.dataset.updates = String(row.updates);
    if (previous !== null && update.price !== previous) {
      var up = update.price > previous;
      cells.price.className = 'price ' + (up ? 'pos' : 'neg');
      if (live && typeof row.tr.animate === 'function') {
        row.tr.animate([{ backgroundColor: up ? 'rgba(38, 166, 154, 0.32)' : 'rgba(239, 83, 80, 0.32)' }, { backgroundColor: 'rgba(0, 0, 0, 0)' }], { duration: 900, easing: 'ease-out' });
      }
    }
    priceStats.total += 1;
    priceStats.lastAt = Date.now();
  }

  function connectPrices(key) {
    disconnectPrices();
    rows.forEach(blankRow);
    if (typeof window.io !== 'function') {
      setStatus(dom.statusPrices, 'error', 'client missing');
      return;
    }
    setStatus(dom.statusPrices, 'connecting', 'connecting\u2026');
    var s = window.io('/api-ws', { auth: { apiKey: key }, reconnectionDelay: 1000, reconnectionDelayMax: 10000 });
    socket = s;
    s.on('connect', function () {
      if (socket !== s) return;
      clearErrors('api-ws');
      var engine = s.io.engine;
      var show = function () {
        if (socket === s && s.connected) setStatus(dom.statusPrices, 'live', 'live \u00b7 ' + engine.transport.name);
      };
      show();
      engine.once('upgrade', show);
    });
    s.on('connect_error', function (error) {
      if (socket !== s) return;
      var message = messageOf(error);
      var code = error && error.data && typeof error.data.code === 'string' ? error.data.code : '';
      if (s.active) {
        // A transport problem: the client retries by itself.
        setStatus(dom.statusPrices, 'connecting', 'retrying: ' + message);
        reportError('api-ws', 'Cannot reach /api-ws, retrying: ' + message);
      } else {
        // Refused by the server (Authentication failed, Pro subscription required, Connection limit exceeded): no retry.
        setStatus(dom.statusPrices, 'error', message);
        reportError('api-ws', code ? message + ' (' + code + ')' : message);
      }
    });
    s.on('disconnect', function (reason) {
      if (socket !== s) return;
      if (reason === 'io server disconnect') {
        setStatus(dom.statusPrices, 'error', 'disconnected by the server');
        reportError('api-ws', 'Disconnected by the server (key revoked?)');
      } else if (reason !== 'io client disconnect') {
        setStatus(dom.statusPrices, 'connecting', 'reconnecting (' + reason + ')');
      }
    });
    s.on('initial-prices', function (list) {
      if (socket !== s || !Array.isArray(list)) return;
      list.forEach(function (update) {
        applyUpdate(update, false);
      });
    });
    s.on('price-update', function (update) {
      if (socket === s) applyUpdate(update, true);
    });
  }

  function disconnectPrices() {
    var s = socket;
    socket = null;
    if (s) s.disconnect();
  }

  function measureRate() {
    priceStats.rate = priceStats.total - priceStats.lastTotal;
    priceStats.lastTotal = priceStats.total;
    refreshPriceMeta();
  }

  function refreshPriceMeta() {
    var priced = 0;
    rows.forEach(function (row) {
      if (row.price !== null) priced += 1;
    });
    var parts = [priced + '/' + rows.size + ' symbols', priceStats.rate + ' updates/s'];
    if (priceStats.gaps > 0) parts.push(priceStats.gaps + ' seq gaps');
    if (priceStats.lastAt > 0) parts.push('last ' + clock(priceStats.lastAt));
    if (socket && socket.connected && priceStats.lastAt > 0 && Date.now() - priceStats.lastAt > STALE_AFTER_MS) parts.push('STALE');
    dom.priceMeta.textContent = socket && socket.connected ? parts.join(' \u00b7 ') : 'no live prices \u00b7 ' + dom.statusPrices.querySelector('.text').textContent;
  }

  // ---- candles (/ws/chart-live) ------------------------------------------------------------

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
    if (code === 'AUTH_FAILED' || code === 'AUTH_RATE_LIMITED' || text.indexOf('Authentication failure') === 0) {
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
    if (event.code === 4401 || chart.authFailed) {
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

  // ---- canvas ----------------------------------------------------------------------------------

  var ctx = dom.canvas.getContext('2d');
  var drawPending = false;

  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(function () {
      drawPending = false;
      draw();
    });
  }

  function niceStep(range, count) {
    var raw = range / Math.max(1, count);
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var unit = raw / power;
    return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
  }

  function line(x1, y1, x2, y2) {
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
  }

  function draw() {
    var canvas = dom.canvas;
    var width = canvas.clientWidth;
    var height = canvas.clientHeight;
    if (!ctx || width === 0 || height === 0) return;
    var dpr = window.devicePixelRatio || 1;
    var pixelWidth = Math.round(width * dpr);
    var pixelHeight = Math.round(height * dpr);
    if (canvas.width !== pixelWidth || canvas.height !== pixelHeight) {
      canvas.width = pixelWidth;
      canvas.height = pixelHeight;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    var list = chart.candles;
    canvas.dataset.candles = String(list.length);
    chart.layout = null;
    if (!list.length) return;

    var axisWidth = 92, timeHeight = 22, top = 10, left = 2;
    var plotWidth = width - axisWidth - left;
    var plotHeight = height - timeHeight - top;
    var volumeHeight = Math.round(plotHeight * 0.16);
    var priceHeight = plotHeight - volumeHeight - 8;
    var slot = Math.max(5, Math.min(14, plotWidth / (list.length + 2)));
    var visible = Math.max(1, Math.floor(plotWidth / slot) - 1);
    var start = Math.max(0, list.length - visible);
    var shown = list.slice(start);

    var lo = Infinity, hi = -Infinity, maxVolume = 0;
    shown.forEach(function (c) {
      lo = Math.min(lo, c.low);
      hi = Math.max(hi, c.high);
      maxVolume = Math.max(maxVolume, c.volumeUsd);
    });
    if (!(hi - lo > Math.abs(hi) * 1e-9)) {
      var widen = Math.abs(hi) * 0.005 || 1e-9;
      lo -= widen;
      hi += widen;
    }
    var margin = (hi - lo) * 0.06;
    lo -= margin;
    hi += margin;
    var y = function (price) { return top + ((hi - price) / (hi - lo)) * priceHeight; };
    var xOf = function (k) { return left + plotWidth - slot * (shown.length - k + 0.5); };

    var last = list[list.length - 1];
    var lastY = Math.round(y(last.close)) + 0.5;

    // Price grid and axis (no label under the last-price tag).
    var step = niceStep(hi - lo, Math.max(3, Math.floor(priceHeight / 55)));
    var decimals = Math.max(0, Math.min(12, -Math.floor(Math.log10(step) + 1e-6)));
    ctx.font = MONO;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    ctx.lineWidth = 1;
    for (var tick = Math.ceil(lo / step) * step; tick <= hi; tick += step) {
      var ty = Math.round(y(tick)) + 0.5;
      ctx.strokeStyle = COLORS.grid;
      line(left, ty, left + plotWidth, ty);
      if (Math.abs(ty - lastY) < 14) continue;
      ctx.fillStyle = COLORS.axis;
      ctx.fillText(fmtFixed(tick, decimals), left + plotWidth + 8, ty);
    }
    var volumeTop = top + priceHeight + 8;
    ctx.strokeStyle = COLORS.grid;
    line(left, volumeTop - 4.5, left + plotWidth, volumeTop - 4.5);
    ctx.fillStyle = COLORS.faint;
    ctx.fillText('vol ' + fmtUsd(maxVolume), left + plotWidth + 8, volumeTop + 6);

    // Time labels at stable bucket multiples, so they do not jump as candles arrive.
    var every = Math.max(1, Math.ceil(84 / slot));
    var bucketMs = chart.timeframe * 1000;
    ctx.textAlign = 'center';
    ctx.fillStyle = COLORS.axis;
    shown.forEach(function (c, k) {
      if (Math.round(c.time / bucketMs) % every !== 0) return;
      var tx = Math.round(xOf(k)) + 0.5;
      ctx.strokeStyle = COLORS.grid;
      line(tx, top, tx, top + plotHeight);
      ctx.fillText(candleTime(c.time, chart.timeframe), tx, top + plotHeight + 12);
    });

    // Crosshair on the hovered candle.
    var hoverK = -1;
    if (chart.hoverTime !== null) {
      shown.forEach(function (c, k) { if (c.time === chart.hoverTime) hoverK = k; });
      if (hoverK >= 0) {
        var hx = Math.round(xOf(hoverK)) + 0.5;
        ctx.strokeStyle = COLORS.crosshair;
        ctx.setLineDash([3, 3]);
        line(hx, top, hx, top + plotHeight);
        ctx.setLineDash([]);
      }
    }

    // Candles: closed ones solid, the open one translucent with an outline; volume underneath.
    var bodyWidth = Math.max(1, Math.floor(slot * 0.7));
    shown.forEach(function (c, k) {
      var closed = isClosed(start + k);
      var up = c.close >= c.open;
      var color = up ? COLORS.up : COLORS.down;
      var x = xOf(k);
      var cx = Math.round(x) + 0.5;
      var bodyTop = Math.round(Math.min(y(c.open), y(c.close)));
      var bodyHeight = Math.max(1, Math.round(Math.abs(y(c.close) - y(c.open))));
      var bx = Math.round(x - bodyWidth / 2);
      ctx.strokeStyle = color;
      line(cx, Math.round(y(c.high)), cx, bodyTop);
      line(cx, bodyTop + bodyHeight, cx, Math.round(y(c.low)));
      if (closed) {
        ctx.fillStyle = color;
        ctx.fillRect(bx, bodyTop, bodyWidth, bodyHeight);
      } else {
        ctx.fillStyle = up ? COLORS.upSoft : COLORS.downSoft;
        ctx.fillRect(bx, bodyTop, bodyWidth, bodyHeight);
        ctx.strokeRect(bx + 0.5, bodyTop + 0.5, Math.max(0, bodyWidth - 1), Math.max(0, bodyHeight - 1));
      }
      if (maxVolume > 0) {
        var vh = Math.max(1, Math.round((c.volumeUsd / maxVolume) * (volumeHeight - 4)));
        ctx.fillStyle = up ? COLORS.upVolume : COLORS.downVolume;
        ctx.fillRect(bx, top + plotHeight - vh, bodyWidth, vh);
      }
    });

    // Last price: a dashed line and a tag on the axis.
    var lastColor = last.close >= last.open ? COLORS.up : COLORS.down;
    var ly = lastY;
    ctx.strokeStyle = lastColor;
    ctx.setLineDash([2, 3]);
    line(left, ly, left + plotWidth, ly);
    ctx.setLineDash([]);
    ctx.fillStyle = lastColor;
    ctx.fillRect(left + plotWidth + 2, ly - 9, axisWidth - 4, 18);
    ctx.fillStyle = '#ffffff';
    ctx.textAlign = 'left';
    ctx.fillText(fmtPrice(last.close), left + plotWidth + 8, ly + 0.5);

    chart.layout = { start: start, count: shown.length, slot: slot, left: left, plotWidth: plotWidth };
  }

  function onPointer(event) {
    var layout = chart.layout;
    if (!layout) return;
    var rect = dom.canvas.getBoundingClientRect();
    var fromRight = layout.left + layout.plotWidth - (event.clientX - rect.left);
    var k = Math.round(layout.count - 0.5 - fromRight / layout.slot);
    var candle = k >= 0 && k < layout.count ? chart.candles[layout.start + k] : undefined;
    var time = candle ? candle.time : null;
    if (time === chart.hoverTime) return;
    chart.hoverTime = time;
    showReadout();
    scheduleDraw();
  }

  // ---- wiring ------------------------------------------------------------------------------------

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

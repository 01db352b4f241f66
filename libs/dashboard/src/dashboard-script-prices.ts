/**
 * Part of the dashboard's inline browser script (assembled, in order, by dashboard-script.ts):
 * instruments (GET /instruments), the Socket.IO client loader and the price table over /api-ws.
 * A fragment of one function body, so it shares that function's scope with the other parts
 * and is not a script on its own; dashboard-page.spec.ts compiles the assembled whole and
 * dashboard-browser.spec.ts runs it in Chromium. Same String.raw rules: no backtick, no dollar-brace.
 */
export const DASHBOARD_SCRIPT_PRICES = String.raw`  // ---- instruments ---------------------------------------------------------------------------

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

`;

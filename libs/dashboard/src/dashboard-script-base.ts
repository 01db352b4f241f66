/**
 * Part of the dashboard's inline browser script (assembled, in order, by dashboard-script.ts):
 * constants, DOM and formatting helpers, status line and error list (opens the function).
 * A fragment of one function body, so it shares that function's scope with the other parts
 * and is not a script on its own; dashboard-page.spec.ts compiles the assembled whole and
 * dashboard-browser.spec.ts runs it in Chromium. Same String.raw rules: no backtick, no dollar-brace.
 */
export const DASHBOARD_SCRIPT_BASE = String.raw`
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

`;

/**
 * Part of the dashboard's inline browser script (assembled, in order, by dashboard-script.ts):
 * drawing the candlestick chart on the canvas, and its crosshair.
 * A fragment of one function body, so it shares that function's scope with the other parts
 * and is not a script on its own; dashboard-page.spec.ts compiles the assembled whole and
 * dashboard-browser.spec.ts runs it in Chromium. Same String.raw rules: no backtick, no dollar-brace.
 */
export const DASHBOARD_SCRIPT_CANVAS = String.raw`  // ---- canvas ----------------------------------------------------------------------------------

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

`;

/** The dashboard's inline stylesheet: a dark, dense, readable trading-screen look; no web fonts (the network may be closed). */
export const DASHBOARD_STYLES = String.raw`
:root {
  color-scheme: dark;
  --bg: #0d1117;
  --panel: #151b23;
  --panel-edge: #262f3a;
  --text: #e6edf3;
  --muted: #8b98a5;
  --faint: #5c6773;
  --accent: #58a6ff;
  --up: #26a69a;
  --down: #ef5350;
  --warn: #d29922;
  --grid: #1f2832;
  --mono: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 var(--sans); }
body { min-height: 100vh; display: flex; flex-direction: column; }
header.top {
  display: flex; align-items: center; justify-content: space-between; gap: 16px; flex-wrap: wrap;
  padding: 12px 20px; border-bottom: 1px solid var(--panel-edge); background: #0f141b;
}
.brand { display: flex; align-items: baseline; gap: 10px; }
.brand .logo { font: 700 20px/1 var(--mono); color: var(--accent); letter-spacing: 0.5px; }
.brand .subtitle { color: var(--muted); }
.statuses { display: flex; gap: 10px; flex-wrap: wrap; }
.status {
  display: inline-flex; align-items: center; gap: 8px; padding: 4px 10px; border-radius: 999px;
  border: 1px solid var(--panel-edge); background: var(--panel); font-size: 12px; max-width: 420px;
}
.status .name { font-family: var(--mono); color: var(--muted); }
.status .text { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.status .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--faint); flex: none; }
.status[data-state="live"] .dot { background: var(--up); box-shadow: 0 0 6px var(--up); }
.status[data-state="connecting"] .dot { background: var(--warn); animation: pulse 1s ease-in-out infinite; }
.status[data-state="error"] { border-color: #5a2a2a; }
.status[data-state="error"] .dot { background: var(--down); }
@keyframes pulse { 50% { opacity: 0.3; } }
.keybar { padding: 12px 20px 0; }
.keybar form { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.keybar label { color: var(--muted); }
input, select, button {
  font: inherit; color: var(--text); background: #0b0f14; border: 1px solid var(--panel-edge);
  border-radius: 6px; padding: 6px 10px;
}
input#api-key { font-family: var(--mono); width: min(480px, 100%); }
input:focus, select:focus, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
button { cursor: pointer; background: #1c2430; }
button:hover { background: #243040; }
button.primary { background: #1f6feb; border-color: #1f6feb; color: #fff; }
button.primary:hover { background: #388bfd; }
.hint { margin: 6px 0 0; color: var(--faint); font-size: 12px; }
.errors { margin: 10px 20px 0; display: flex; flex-direction: column; gap: 6px; }
.errors:empty { display: none; }
.error-item {
  display: flex; gap: 10px; align-items: baseline; padding: 8px 12px; border-radius: 6px;
  background: #2a1416; border: 1px solid #5a2a2a; color: #ffb4ab;
}
.error-item .source { font: 600 12px var(--mono); color: #ff7b72; flex: none; }
.error-item .when { font: 12px var(--mono); color: var(--faint); flex: none; }
.error-item .message { flex: 1; overflow-wrap: anywhere; }
.error-item .count { font: 12px var(--mono); color: var(--muted); }
.error-item button { padding: 0 8px; background: transparent; border: none; color: var(--muted); font-size: 16px; line-height: 1; }
main { flex: 1; display: grid; grid-template-columns: minmax(560px, 5fr) minmax(420px, 6fr); gap: 16px; padding: 16px 20px 20px; align-items: start; }
@media (max-width: 1150px) { main { grid-template-columns: 1fr; } }
.panel { background: var(--panel); border: 1px solid var(--panel-edge); border-radius: 10px; overflow: hidden; min-width: 0; }
.panel-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap; padding: 10px 14px; border-bottom: 1px solid var(--panel-edge); }
.panel-head h2 { margin: 0; font-size: 15px; font-weight: 600; }
.panel-head h2 small { font: 12px var(--mono); color: var(--faint); margin-left: 6px; font-weight: 400; }
.meta { color: var(--muted); font: 12px var(--mono); }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 12px; text-align: right; white-space: nowrap; }
th { color: var(--muted); font-weight: 500; font-size: 12px; border-bottom: 1px solid var(--panel-edge); position: sticky; top: 0; background: var(--panel); }
th:first-child, td:first-child { text-align: left; }
tbody tr { border-bottom: 1px solid #1b222b; }
tbody tr:last-child { border-bottom: none; }
tbody tr:hover { background: #1a212b; }
td { font-family: var(--mono); font-size: 13px; }
td.symbol { font-family: var(--sans); font-weight: 600; }
td.price { color: var(--text); }
td.seq, td.time { color: var(--faint); }
tr[data-price=""] td:not(.symbol) { color: var(--faint); }
.pos { color: var(--up); }
.neg { color: var(--down); }
.controls { display: flex; gap: 10px; flex-wrap: wrap; }
.controls label { color: var(--muted); font-size: 12px; display: flex; align-items: center; gap: 6px; }
.token-info { padding: 8px 14px 0; color: var(--muted); font-size: 12px; display: flex; gap: 14px; flex-wrap: wrap; }
.token-info .addr { font-family: var(--mono); color: var(--text); overflow-wrap: anywhere; }
.canvas-wrap { position: relative; height: 430px; margin: 8px 14px 0; }
canvas#chart { display: block; width: 100%; height: 100%; }
.chart-empty { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: var(--faint); pointer-events: none; }
.chart-empty[hidden] { display: none; }
.readout { display: grid; grid-template-columns: repeat(auto-fill, minmax(118px, 1fr)); gap: 6px 14px; margin: 0; padding: 10px 14px 14px; }
.readout div { min-width: 0; }
.readout div:first-child { grid-column: span 2; }
.readout dt { color: var(--faint); font-size: 11px; text-transform: uppercase; letter-spacing: 0.4px; }
.readout dd { margin: 0; font: 13px var(--mono); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
footer { padding: 0 20px 16px; color: var(--faint); font-size: 12px; }
footer code { font-family: var(--mono); color: var(--muted); }
`;

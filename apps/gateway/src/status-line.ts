import type { MarketUpdate } from '@mdg/model';
import type { Gateway } from './gateway';

/** One line every few seconds: what an operator glances at in the logs. */
export function statusLine(gateway: Gateway, lastTrades: number, intervalSeconds: number): { line: string; tradesIn: number } {
  const parts = [`[${new Date().toISOString()}]`];
  let tradesIn = lastTrades;
  if (gateway.engine) {
    const status = gateway.engine.status();
    const engine = gateway.engine.current();
    tradesIn = gateway.engine.pipeline()?.stats().tradesIn ?? 0;
    if (engine) {
      const price = (update: MarketUpdate | undefined) => (update ? `${update.symbol} ${update.price} (${update.changePercent.toFixed(2)} %)` : '-');
      const rate = Math.max(0, Math.round((tradesIn - lastTrades) / intervalSeconds));
      parts.push(
        `engine owner epoch ${status.epoch}: ${rate} trades/s  ${price(engine.ticker.snapshot('BTC', Date.now()))}  ${price(engine.ticker.snapshot('ETH', Date.now()))}`,
      );
    } else parts.push('engine standby');
  }
  if (gateway.edge) parts.push(`connections: ${gateway.edge.prices.stats().connections} socket.io, ${gateway.edge.charts.stats().connections} raw`);
  return { line: parts.join('  '), tradesIn };
}

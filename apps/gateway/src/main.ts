/** `npm start`: the embedded gateway. Configuration comes from the environment (see README). */
import { MdgError } from '@mdg/model';
import { startBanner } from './banner';
import { loadGatewayConfig } from './config';
import { Gateway } from './gateway';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const gateway = await Gateway.create(config);
  const port = await gateway.start();
  console.log(startBanner(port, gateway.demoKeys, gateway.registry.tokens()[0]));
  if (config.statusIntervalSeconds > 0) {
    let lastTrades = 0;
    const timer = setInterval(() => {
      const trades = gateway.pipeline.stats().tradesIn;
      const btc = gateway.engine.ticker.snapshot('BTC', Date.now());
      const eth = gateway.engine.ticker.snapshot('ETH', Date.now());
      const rate = Math.round((trades - lastTrades) / config.statusIntervalSeconds);
      lastTrades = trades;
      const price = (update: typeof btc) => (update ? `${update.symbol} ${update.price} (${update.changePercent.toFixed(2)} %)` : '-');
      console.log(`[${new Date().toISOString()}] ${rate} trades/s  ${price(btc)}  ${price(eth)}  connections: ${gateway.prices.stats().connections} socket.io, ${gateway.charts.stats().connections} raw`);
    }, config.statusIntervalSeconds * 1000);
    timer.unref();
  }
  const shutdown = (signal: string) => {
    console.log(`${signal}: shutting down`);
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof MdgError ? `${error.code}: ${error.message}` : error);
  process.exit(1);
});

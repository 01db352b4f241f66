/** `npm start`: a gateway process. Configuration comes from the environment (see README). */
import { MdgError } from '@mdg/model';
import { startBanner } from './banner';
import { loadGatewayConfig } from '@mdg/config';
import { Gateway } from './gateway';
import { statusLine } from './status-line';

async function main(): Promise<void> {
  const config = loadGatewayConfig(process.env);
  const gateway = await Gateway.create(config);
  const port = await gateway.start();
  console.log(startBanner({ port, roles: config.roles, redisUrl: config.redisUrl, keys: gateway.demoKeys, token: gateway.registry.tokens()[0] }));
  if (config.statusIntervalSeconds > 0) {
    let lastTrades = 0;
    const timer = setInterval(() => {
      const { line, tradesIn } = statusLine(gateway, lastTrades, config.statusIntervalSeconds);
      lastTrades = tradesIn;
      console.log(line);
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

/**
 * A stand-alone "gateway node" for crash tests: connects a RedisConnectionRegistry, takes
 * the requested slots, prints `held <n>` and then just heartbeats until it is killed.
 * argv: redisUrl keyPrefix userId count leaseTtlMs
 */
import { RedisConnectionRegistry } from '../redis-connection-registry';

async function main(): Promise<void> {
  const [url, keyPrefix, userId, count, ttl] = process.argv.slice(2);
  if (!url || !keyPrefix || !userId || !count || !ttl) throw new Error('usage: registry-node-process <redisUrl> <keyPrefix> <userId> <count> <leaseTtlMs>');
  const registry = await RedisConnectionRegistry.connect({ connection: url, keyPrefix, leaseTtlMs: Number(ttl) });
  let held = 0;
  for (let i = 0; i < Number(count); i++) if (await registry.acquire(userId, 'api-ws', Number(count))) held += 1;
  process.stdout.write(`held ${held}\n`);
  // Keep the event loop alive (the heartbeat timer is unref'd) until the test kills this process.
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

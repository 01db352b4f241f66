import { Redis } from 'ioredis';
import { startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisConnectionRegistry } from './redis-connection-registry';

/** Commands Redis executed (scripts' inner calls included) since the last CONFIG RESETSTAT, by name, without the probe's own. */
async function commandCalls(probe: Redis): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const match of (await probe.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const [, command, count] = match;
    if (command === undefined || command === 'info' || command.startsWith('config')) continue;
    calls[command] = Number(count);
  }
  return calls;
}

describe('RedisConnectionRegistry cost: Redis work per heartbeat round does not grow with the leases held', () => {
  let server: RedisServerHandle;
  let probe: Redis;
  const registries: RedisConnectionRegistry[] = [];

  beforeAll(async () => {
    // A server of its own: INFO commandstats counts every client's commands.
    server = await startRedisServer();
    probe = new Redis(server.url);
  });

  afterAll(async () => {
    await Promise.all(registries.splice(0).map((registry) => registry.close()));
    await probe.quit();
    await server.stop();
  });

  async function heartbeatRoundWith(leases: number): Promise<Record<string, number>> {
    const registry = await RedisConnectionRegistry.connect({ connection: server.url, keyPrefix: uniquePrefix('cost'), renewIntervalMs: 0 });
    registries.push(registry);
    for (let user = 0; user < leases; user++) expect(await registry.acquire(`user-${user}`, 'api-ws', 2)).toBeDefined();
    await probe.config('RESETSTAT');
    expect(await registry.renewHeldLeases()).toBe(leases);
    const calls = await commandCalls(probe);
    expect(registry.stats()).toMatchObject({ held: leases, heartbeats: 1, readmitted: 0, lost: 0 });
    return calls;
  }

  it('one heartbeat round costs the same commands with 1 and with 500 leases', async () => {
    const one = await heartbeatRoundWith(1);
    const many = await heartbeatRoundWith(500);
    const total = (calls: Record<string, number>): number => Object.values(calls).reduce((sum, count) => sum + count, 0);
    // Printed for the record (README, scale-out): the commands of one round.
    process.stdout.write(`heartbeat round, 1 lease: ${JSON.stringify(one)}; 500 leases: ${JSON.stringify(many)}\n`);
    expect(many).toEqual(one);
    expect(total(one)).toBeLessThanOrEqual(6);
  });
});

import { Redis } from 'ioredis';
import { InstrumentRegistry, type TokenStoreError } from '@mdg/model';
import { trackRegisteredTokens } from '@mdg/tokens';
import { CONTRACT_TOKENS, describeTokenRegistryContract } from '@mdg/tokens/testing';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { closeRedisClient } from '@mdg/redis-client';
import { RedisTokenRegistry, type RedisTokenRegistryOptions } from './redis-token-registry';

let server: RedisServerHandle;
const stores: RedisTokenRegistry[] = [];
let lastPrefix = '';

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await server.stop();
});

async function openStore(keyPrefix: string, options: Partial<RedisTokenRegistryOptions> = {}): Promise<RedisTokenRegistry> {
  const store = await RedisTokenRegistry.open({ connection: server.url, keyPrefix, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...options });
  stores.push(store);
  return store;
}

describeTokenRegistryContract('RedisTokenRegistry', {
  open: (clock) => {
    lastPrefix = uniquePrefix('tokens-contract');
    return openStore(lastPrefix, { clock });
  },
  openPeer: () => openStore(lastPrefix),
});

describe('RedisTokenRegistry across nodes', () => {
  const [bonk, usdc] = CONTRACT_TOKENS;

  it('feeds every node’s InstrumentRegistry through trackRegisteredTokens', async () => {
    const prefix = uniquePrefix('tokens-track');
    const cli = await openStore(prefix, { reconcileIntervalMs: 0 });
    await cli.add(bonk);
    const node = await openStore(prefix);
    const registry = new InstrumentRegistry();
    const errors: TokenStoreError[] = [];
    const stop = await trackRegisteredTokens(node, registry, (error) => errors.push(error));
    expect(registry.findToken(bonk.tokenAddress)).toMatchObject({ symbol: 'BONK' });
    await cli.add(usdc);
    await eventually(async () => registry.findToken(usdc.tokenAddress) !== undefined, { timeoutMs: 2000, what: 'the new token on the node' });
    stop();
    expect(errors).toEqual([]);
  });

  it('keeps serving its copy through an outage, reports it once, and catches up afterwards', async () => {
    const outage = await startRedisServer();
    const prefix = uniquePrefix('tokens-outage');
    const a = await RedisTokenRegistry.open({
      connection: outage.url,
      keyPrefix: prefix,
      reconcileIntervalMs: 100,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    const errors: TokenStoreError[] = [];
    a.onError((error) => errors.push(error));
    try {
      await a.add(bonk);
      await outage.kill();
      expect((await a.list()).map((token) => token.symbol)).toEqual(['BONK']);
      await expect(a.add(usdc)).rejects.toMatchObject({ code: 'TOKEN_STORE_ERROR', reason: 'io' });
      await eventually(async () => errors.length > 0, { timeoutMs: 3000, what: 'the outage reported' });
      await outage.restart();
      // Redis came back empty: the list follows the store (a restart without persistence loses registrations).
      const writer = new Redis(outage.url);
      await writer.hset(`${prefix}tokens`, usdc.tokenAddress, JSON.stringify({ ...usdc, registeredAt: 1, origin: 'manual' }));
      await closeRedisClient(writer);
      await eventually(async () => (await a.get(usdc.tokenAddress)) !== undefined, { timeoutMs: 5000, what: 'the token written after the restart' });
      expect(errors.filter((error) => error.reason === 'io').length).toBeLessThanOrEqual(2);
    } finally {
      await a.close();
      await outage.stop();
    }
  });

  it('skips a corrupt entry and reports it once, keeping the others', async () => {
    const prefix = uniquePrefix('tokens-corrupt');
    const store = await openStore(prefix, { reconcileIntervalMs: 50 });
    const errors: TokenStoreError[] = [];
    store.onError((error) => errors.push(error));
    const writer = new Redis(server.url);
    await writer.hset(`${prefix}tokens`, 'junk', '{nope', bonk.tokenAddress, JSON.stringify({ ...bonk, registeredAt: 5, origin: 'auto' }));
    await closeRedisClient(writer);
    await eventually(async () => (await store.get(bonk.tokenAddress)) !== undefined, { timeoutMs: 2000, what: 'the good entry' });
    await eventually(async () => errors.length > 0, { timeoutMs: 2000, what: 'the corrupt entry reported' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errors.map((error) => [error.reason, error.message.includes('junk')])).toEqual([['corrupt', true]]);
    expect((await store.list()).map((token) => token.symbol)).toEqual(['BONK']);
  });

  it('refuses a malformed configuration and an unreachable Redis', async () => {
    expect(() => new RedisTokenRegistry({ connection: server.url, keyPrefix: '' })).toThrow('keyPrefix');
    expect(() => new RedisTokenRegistry({ connection: server.url, keyPrefix: 'p:', reconcileIntervalMs: -1 })).toThrow('reconcileIntervalMs');
    await expect(RedisTokenRegistry.open({ connection: 'redis://127.0.0.1:1', keyPrefix: 'p:', connectTimeoutMs: 200 })).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
  });
});

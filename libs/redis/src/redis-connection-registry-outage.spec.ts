import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { ConnectionLease } from '@mdg/auth';
import { eventually, startRedisServer, uniquePrefix, type RedisServerHandle } from '@mdg/testing';
import { RedisConnectionRegistry, type RedisConnectionRegistryOptions } from './redis-connection-registry';

describe('RedisConnectionRegistry across faults', () => {
  let server: RedisServerHandle;
  const registries: RedisConnectionRegistry[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  beforeAll(async () => {
    server = await startRedisServer();
    process.on('unhandledRejection', onUnhandled);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server.stop();
  });

  afterEach(async () => {
    await Promise.all(registries.splice(0).map((registry) => registry.close()));
    if (!server.running) await server.restart();
    expect(unhandled).toEqual([]);
  });

  async function node(
    keyPrefix: string,
    options: Partial<RedisConnectionRegistryOptions> = {},
  ): Promise<{ registry: RedisConnectionRegistry; lost: ConnectionLease[]; errors: Error[] }> {
    const registry = await RedisConnectionRegistry.connect({
      connection: server.url,
      keyPrefix,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      ...options,
    });
    registries.push(registry);
    const lost: ConnectionLease[] = [];
    const errors: Error[] = [];
    registry.onLeaseLost((lease) => lost.push(lease));
    registry.onError((error) => errors.push(error));
    return { registry, lost, errors };
  }

  it('keeps live connections’ slots across a Redis restart that lost them', async () => {
    const prefix = uniquePrefix('restart');
    const holder = await node(prefix, { leaseTtlMs: 1000, renewIntervalMs: 200 });
    const other = await node(prefix, { leaseTtlMs: 1000 });
    await holder.registry.acquire('user-1', 'api-ws', 2);
    await holder.registry.acquire('user-1', 'api-ws', 2);
    await server.kill();
    await expect(other.registry.acquire('user-1', 'api-ws', 2)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await server.restart();
    // The holder takes its slots back as soon as it reconnects.
    await eventually(async () => (await other.registry.count('user-1', 'api-ws').catch(() => -1)) === 2, { timeoutMs: 5000, what: 'slots restored' });
    expect(await other.registry.acquire('user-1', 'api-ws', 2)).toBeUndefined();
    expect(holder.lost).toEqual([]);
    expect(holder.registry.stats()).toMatchObject({ held: 2, readmitted: 2 });
  });

  it('reports slots taken by others during the outage as lost', async () => {
    const prefix = uniquePrefix('taken');
    const holder = await node(prefix, { leaseTtlMs: 1000, renewIntervalMs: 0 });
    const other = await node(prefix, { leaseTtlMs: 1000 });
    const leases = [await holder.registry.acquire('user-1', 'api-ws', 2), await holder.registry.acquire('user-1', 'api-ws', 2)];
    await server.kill();
    expect(await holder.registry.renewHeldLeases()).toBe(0);
    expect(holder.errors).toHaveLength(1);
    expect(holder.registry.stats()).toMatchObject({ held: 2, renewalFailures: 1 });
    await server.restart();
    await eventually(async () => (await other.registry.acquire('user-1', 'api-ws', 2).catch(() => undefined)) !== undefined, {
      timeoutMs: 5000,
      what: 'first slot',
    });
    expect(await other.registry.acquire('user-1', 'api-ws', 2)).toBeDefined();
    // The holder's own client may still be reconnecting (a renewal then fails as an error, and is
    // retried): once it reaches Redis, it finds both slots taken and reports them lost.
    await eventually(async () => (await holder.registry.renewHeldLeases()) === 0 && holder.lost.length === 2, {
      timeoutMs: 5000,
      what: 'the holder to find its slots taken',
    });
    expect(holder.lost).toEqual(leases);
    expect(await other.registry.count('user-1', 'api-ws')).toBe(2);
  });

  it('frees the slots of a node process killed with SIGKILL within the heartbeat TTL', async () => {
    const prefix = uniquePrefix('kill9');
    const TTL = 1500;
    const observer = await node(prefix, { leaseTtlMs: TTL });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'testing', 'registry-node-process.ts'), server.url, prefix, 'user-1', '2', String(TTL)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually(async () => output.includes('held 2'), { timeoutMs: 20_000, what: `the node process holding 2 slots (output: ${output})` });
      // While the process lives, its slots are taken.
      await eventually(async () => (await observer.registry.count('user-1', 'api-ws')) === 2, { timeoutMs: 1000, what: 'slots held' });
      child.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      // One acquire call: it waits for the silent node's heartbeat to lapse instead of refusing.
      expect(await observer.registry.acquire('user-1', 'api-ws', 2)).toBeDefined();
      expect(Date.now() - killedAt).toBeLessThanOrEqual(TTL + 1000);
      expect(await observer.registry.count('user-1', 'api-ws')).toBe(1);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});

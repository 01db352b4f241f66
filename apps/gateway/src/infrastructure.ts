import { MemoryConnectionRegistry, type ConnectionRegistry, type KeyStore } from '@mdg/auth';
import { MemoryMarketBus, type MarketBus } from '@mdg/bus';
import { FileKeyStore } from '@mdg/local-store';
import type { EngineLease, EngineStateStore } from '@mdg/pipeline';
import {
  RedisConnectionRegistry,
  RedisEngineLease,
  RedisEngineStateStore,
  RedisHealthProbe,
  RedisKeyStore,
  RedisMarketBus,
  type RedisHealth,
} from '@mdg/redis';
import type { GatewayConfig } from '@mdg/config';

/** The shared services the roles talk through: in-process for the embedded default, Redis otherwise. */
export interface Infrastructure {
  readonly mode: 'embedded' | 'redis';
  readonly bus: MarketBus;
  readonly keyStore: KeyStore;
  readonly connections: ConnectionRegistry;
  /** Engine ownership, only with Redis (the embedded engine is the only one). */
  readonly ownership?: { lease: EngineLease; stateStore: EngineStateStore };
  /** Whether Redis answers (a hung server keeps every connection "up"), only with Redis. */
  readonly redisHealth?: { check(): RedisHealth };
  close(): Promise<void>;
}

export interface InfrastructureOverrides {
  bus?: MarketBus;
  keyStore?: KeyStore;
}

export async function createInfrastructure(config: GatewayConfig, overrides: InfrastructureOverrides = {}): Promise<Infrastructure> {
  if (config.redisUrl === undefined) {
    const bus = overrides.bus ?? new MemoryMarketBus();
    const keyStore = overrides.keyStore ?? (await FileKeyStore.open({ path: config.keysFile }));
    const connections = new MemoryConnectionRegistry({ leaseTtlMs: config.connectionLeaseTtlMs });
    return {
      mode: 'embedded',
      bus,
      keyStore,
      connections,
      close: async () => {
        await connections.close();
        await keyStore.close();
        await bus.close();
      },
    };
  }
  const connection = config.redisUrl;
  const keyPrefix = config.redisKeyPrefix;
  const opened: { close(): Promise<void> }[] = [];
  try {
    const bus = overrides.bus ?? (await RedisMarketBus.connect({ connection, keyPrefix, name: `mdg-bus-${config.nodeId}` }));
    opened.push(bus);
    const keyStore = overrides.keyStore ?? (await RedisKeyStore.open({ connection, keyPrefix }));
    opened.push(keyStore);
    const connections = await RedisConnectionRegistry.connect({
      connection,
      keyPrefix,
      leaseTtlMs: config.connectionLeaseTtlMs,
      name: `mdg-registry-${config.nodeId}`,
    });
    opened.push(connections);
    const redisHealth = await RedisHealthProbe.connect({ connection, name: `mdg-health-${config.nodeId}` });
    opened.push(redisHealth);
    let ownership: Infrastructure['ownership'];
    if (config.roles.has('engine')) {
      const lease = await RedisEngineLease.connect({ connection, keyPrefix, ownerId: config.nodeId, ttlMs: config.engineLeaseTtlMs });
      opened.push(lease);
      const stateStore = await RedisEngineStateStore.connect({ connection, keyPrefix });
      opened.push(stateStore);
      ownership = { lease, stateStore };
    }
    return {
      mode: 'redis',
      bus,
      keyStore,
      connections,
      ownership,
      redisHealth,
      close: async () => {
        for (const resource of opened.reverse()) await resource.close();
      },
    };
  } catch (error) {
    for (const resource of opened.reverse()) await resource.close();
    throw error;
  }
}

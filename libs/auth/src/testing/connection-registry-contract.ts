import { eventually } from '@mdg/testing';
import type { ConnectionLease, ConnectionRegistry } from '../connection-registry';

export interface RegistryCluster {
  /** Two registries backed by the same shared state, standing for two gateway nodes. */
  readonly nodes: readonly [ConnectionRegistry, ConnectionRegistry];
  /** How long a node's slots may outlive it: the nodes' heartbeat TTL (keep it short, about a second). */
  readonly heartbeatTtlMs: number;
  /** Ends a node as SIGKILL would: no release, no more heartbeats, nothing sent. */
  crash(node: 0 | 1): void;
  /** Closes both nodes and whatever backs them. */
  close(): Promise<void>;
}

/** The behaviour every ConnectionRegistry implementation must have; `open` builds a fresh cluster. */
export function describeConnectionRegistryContract(name: string, open: () => Promise<RegistryCluster>): void {
  describe(`${name} satisfies the ConnectionRegistry contract`, () => {
    let cluster: RegistryCluster;
    let a: ConnectionRegistry;
    let b: ConnectionRegistry;

    beforeEach(async () => {
      cluster = await open();
      [a, b] = cluster.nodes;
    });

    afterEach(async () => {
      await cluster.close();
    });

    it('grants up to the limit, refuses the next, and frees a slot on release', async () => {
      const first = await a.acquire('user-1', 'api-ws', 2);
      const second = await a.acquire('user-1', 'api-ws', 2);
      expect(first).toMatchObject({ userId: 'user-1', pool: 'api-ws' });
      expect(second).toBeDefined();
      expect(first!.leaseId).not.toBe(second!.leaseId);
      expect(await a.acquire('user-1', 'api-ws', 2)).toBeUndefined();
      expect(await a.count('user-1', 'api-ws')).toBe(2);
      await a.release(first!);
      expect(await a.count('user-1', 'api-ws')).toBe(1);
      expect(await a.acquire('user-1', 'api-ws', 2)).toBeDefined();
      expect(await a.acquire('user-1', 'api-ws', 2)).toBeUndefined();
    });

    it('counts across nodes', async () => {
      const onA = await a.acquire('user-1', 'api-ws', 2);
      expect(await b.acquire('user-1', 'api-ws', 2)).toBeDefined();
      expect(await b.acquire('user-1', 'api-ws', 2)).toBeUndefined();
      expect(await a.acquire('user-1', 'api-ws', 2)).toBeUndefined();
      expect(await b.count('user-1', 'api-ws')).toBe(2);
      await a.release(onA!);
      expect(await b.acquire('user-1', 'api-ws', 2)).toBeDefined();
    });

    it('release is idempotent and never frees someone else’s slot', async () => {
      const lease = await a.acquire('user-1', 'api-ws', 2);
      await b.acquire('user-1', 'api-ws', 2);
      await a.release(lease!);
      await a.release(lease!);
      await b.release(lease!);
      expect(await a.count('user-1', 'api-ws')).toBe(1);
    });

    it('keeps users and pools independent', async () => {
      expect(await a.acquire('user-1', 'api-ws', 1)).toBeDefined();
      expect(await a.acquire('user-1', 'api-ws', 1)).toBeUndefined();
      expect(await a.acquire('user-2', 'api-ws', 1)).toBeDefined();
      expect(await a.acquire('user-1', 'chart-live', 1)).toBeDefined();
      expect(await a.count('user-1', 'api-ws')).toBe(1);
      expect(await a.count('user-1', 'chart-live')).toBe(1);
      expect(await a.count('user-3', 'api-ws')).toBe(0);
    });

    it('is atomic: concurrent acquires on both nodes never exceed the limit', async () => {
      const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).acquire('user-1', 'api-ws', 2)));
      const granted = attempts.filter((lease): lease is ConnectionLease => lease !== undefined);
      expect(granted).toHaveLength(2);
      expect(await a.count('user-1', 'api-ws')).toBe(2);
    });

    it('a limit of 0 refuses everything', async () => {
      expect(await a.acquire('user-1', 'api-ws', 0)).toBeUndefined();
    });

    it('slots live as long as their node: kept through several heartbeat TTLs, freed within one TTL of a crash', async () => {
      const ttl = cluster.heartbeatTtlMs;
      await a.acquire('user-1', 'api-ws', 2);
      await a.acquire('user-1', 'api-ws', 2);
      // Three TTLs of heartbeats: the other node sees both slots taken at every look.
      const heldSince = Date.now();
      await eventually(
        async () => {
          expect(await b.count('user-1', 'api-ws')).toBe(2);
          return Date.now() - heldSince > 3 * ttl;
        },
        { what: 'both slots held through three heartbeat TTLs', timeoutMs: 10 * ttl + 5000 },
      );
      cluster.crash(0);
      const crashedAt = Date.now();
      await eventually(async () => (await b.acquire('user-1', 'api-ws', 2)) !== undefined, { what: "a crashed node's slot freed", timeoutMs: ttl + 2000 });
      expect(Date.now() - crashedAt).toBeLessThan(ttl + 2000);
      expect(await b.acquire('user-1', 'api-ws', 2)).toBeDefined();
      expect(await b.acquire('user-1', 'api-ws', 2)).toBeUndefined();
    });

    it('close releases every lease the node holds', async () => {
      await a.acquire('user-1', 'api-ws', 2);
      await a.acquire('user-1', 'api-ws', 2);
      await a.close();
      expect(await b.count('user-1', 'api-ws')).toBe(0);
      expect(await b.acquire('user-1', 'api-ws', 2)).toBeDefined();
    });
  });
}

import type { EngineLease } from '../engine-lease';

/** Leases of several engines on one shared backend (one table, one Redis prefix). */
export interface EngineLeaseCluster {
  /** The TTL every lease of the cluster was built with. */
  readonly ttlMs: number;
  /** A lease for a new engine `ownerId` on the shared backend; the cluster closes it. */
  lease(ownerId: string): Promise<EngineLease>;
  /** Lets `ms` pass as the backend judges expiry (advance a manual clock, or really wait). */
  elapse(ms: number): Promise<void>;
  /**
   * The backend loses everything, like a Redis restarted without persistence (which takes a
   * moment: its clock moves on). Resolves once the leases can reach it again.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The behaviour every EngineLease implementation must have; `open` builds a fresh cluster. */
export function describeEngineLeaseContract(name: string, open: () => Promise<EngineLeaseCluster>): void {
  describe(`${name} satisfies the EngineLease contract`, () => {
    let cluster: EngineLeaseCluster;
    let a: EngineLease;
    let b: EngineLease;

    beforeEach(async () => {
      cluster = await open();
      a = await cluster.lease('engine-a');
      b = await cluster.lease('engine-b');
    });

    afterEach(async () => {
      await cluster.close();
    });

    it('is free at first; the first acquire wins and the others are refused', async () => {
      expect(a.ownerId).toBe('engine-a');
      expect(await a.current()).toBeUndefined();
      const epoch = await a.tryAcquire();
      expect(Number.isSafeInteger(epoch)).toBe(true);
      expect(epoch).toBeGreaterThan(0);
      expect(await b.tryAcquire()).toBeUndefined();
      expect(await b.current()).toEqual({ ownerId: 'engine-a', epoch });
      expect(await a.current()).toEqual({ ownerId: 'engine-a', epoch });
      expect(await b.renew()).toBe(false);
      expect(await a.renew()).toBe(true);
    });

    it('grants the lease to exactly one of many engines trying at once', async () => {
      const leases = [a, b, ...(await Promise.all(Array.from({ length: 6 }, (_, i) => cluster.lease(`engine-${i}`))))];
      const epochs = await Promise.all(leases.map((lease) => lease.tryAcquire()));
      const winners = leases.filter((_, i) => epochs[i] !== undefined);
      expect(winners).toHaveLength(1);
      expect(await a.current()).toEqual({ ownerId: winners[0]!.ownerId, epoch: epochs.find((epoch) => epoch !== undefined) });
    });

    it('raises the epoch on every takeover, whoever takes over', async () => {
      const epochs: number[] = [];
      for (const [winner] of [[a], [b], [a], [a], [b]] as const) {
        const epoch = await winner.tryAcquire();
        expect(epoch).toBeDefined();
        epochs.push(epoch!);
        await winner.release();
      }
      for (let i = 1; i < epochs.length; i++) expect(epochs[i]).toBeGreaterThan(epochs[i - 1]!);
    });

    it('lets the holder acquire again with a new epoch; the old epoch no longer renews', async () => {
      const first = await a.tryAcquire();
      const second = await a.tryAcquire();
      expect(second).toBeGreaterThan(first!);
      expect(await a.current()).toEqual({ ownerId: 'engine-a', epoch: second });
      expect(await a.renew()).toBe(true);
    });

    it('treats another lease object with the same ownerId (a restarted process) as another holder', async () => {
      const epoch = await a.tryAcquire();
      const twin = await cluster.lease('engine-a');
      expect(await twin.tryAcquire()).toBeUndefined();
      expect(await twin.renew()).toBe(false);
      await twin.release();
      expect(await a.current()).toEqual({ ownerId: 'engine-a', epoch });
      expect(await a.renew()).toBe(true);
      await cluster.elapse(cluster.ttlMs + Math.round(cluster.ttlMs * 0.2));
      expect(await twin.tryAcquire()).toBeGreaterThan(epoch!);
      expect(await a.renew()).toBe(false);
    });

    it('renew keeps the lease past its TTL', async () => {
      const epoch = await a.tryAcquire();
      for (let i = 0; i < 3; i++) {
        await cluster.elapse(Math.round(cluster.ttlMs * 0.6));
        expect(await a.renew()).toBe(true);
      }
      expect(await b.tryAcquire()).toBeUndefined();
      expect(await b.current()).toEqual({ ownerId: 'engine-a', epoch });
    });

    it('lets a standby in once the TTL passes without a renew; the old owner then cannot renew', async () => {
      const first = await a.tryAcquire();
      await cluster.elapse(Math.round(cluster.ttlMs * 0.5));
      expect(await b.tryAcquire()).toBeUndefined();
      await cluster.elapse(cluster.ttlMs);
      expect(await b.current()).toBeUndefined();
      const second = await b.tryAcquire();
      expect(second).toBeGreaterThan(first!);
      expect(await a.renew()).toBe(false);
      expect(await a.current()).toEqual({ ownerId: 'engine-b', epoch: second });
      expect(await b.renew()).toBe(true);
    });

    it('release lets a standby in at once; release by anyone else frees nothing', async () => {
      const first = await a.tryAcquire();
      await b.release();
      expect(await b.tryAcquire()).toBeUndefined();
      await a.release();
      expect(await a.current()).toBeUndefined();
      expect(await a.renew()).toBe(false);
      const second = await b.tryAcquire();
      expect(second).toBeGreaterThan(first!);
      await a.release();
      expect(await a.current()).toEqual({ ownerId: 'engine-b', epoch: second });
    });

    it('a deposed owner can neither renew nor release its successor’s lease', async () => {
      await a.tryAcquire();
      await cluster.elapse(cluster.ttlMs + Math.round(cluster.ttlMs * 0.2));
      const epoch = await b.tryAcquire();
      expect(epoch).toBeDefined();
      expect(await a.renew()).toBe(false);
      await a.release();
      expect(await b.current()).toEqual({ ownerId: 'engine-b', epoch });
      expect(await b.renew()).toBe(true);
    });

    it('renew is false for an engine that never acquired', async () => {
      expect(await a.renew()).toBe(false);
      await a.release();
      expect(await a.current()).toBeUndefined();
    });

    it('keeps raising the epoch after the backend restarted empty; the holder takes its lease back', async () => {
      const before: number[] = [];
      for (const lease of [a, b, a]) {
        before.push((await lease.tryAcquire())!);
        await lease.release();
      }
      const held = await b.tryAcquire();
      expect(held).toBeGreaterThan(before[2]!);
      await cluster.restart();
      expect(await a.current()).toBeUndefined();
      // b holds the engine state: its renew takes the forgotten lease back under the same epoch.
      expect(await b.renew()).toBe(true);
      expect(await a.current()).toEqual({ ownerId: 'engine-b', epoch: held });
      expect(await a.tryAcquire()).toBeUndefined();
      await b.release();
      const after = await a.tryAcquire();
      expect(after).toBeGreaterThan(held!);
      expect(await a.current()).toEqual({ ownerId: 'engine-a', epoch: after });
    });

    it('after the backend forgot everything, a standby that saw a holder reserves the lease for it for one TTL', async () => {
      const first = (await a.tryAcquire())!;
      expect(await b.tryAcquire()).toBeUndefined();
      await cluster.restart();
      expect(await b.tryAcquire()).toBeUndefined();
      expect(await b.current()).toBeUndefined();
      expect(await a.renew()).toBe(true);
      expect(await b.current()).toEqual({ ownerId: 'engine-a', epoch: first });
      expect(await b.tryAcquire()).toBeUndefined();
    });

    it('a holder that gave its lease up during the outage claims it back with a higher epoch, ahead of the standby', async () => {
      const first = (await a.tryAcquire())!;
      expect(await b.tryAcquire()).toBeUndefined();
      await a.release();
      await cluster.restart();
      expect(await b.tryAcquire()).toBeUndefined();
      const again = await a.tryAcquire();
      expect(again).toBeGreaterThan(first);
      expect(await b.tryAcquire()).toBeUndefined();
      expect(await b.current()).toEqual({ ownerId: 'engine-a', epoch: again });
    });

    it('the standby takes over once the reservation expires unclaimed; the old holder cannot renew then', async () => {
      const first = (await a.tryAcquire())!;
      expect(await b.tryAcquire()).toBeUndefined();
      await cluster.restart();
      expect(await b.tryAcquire()).toBeUndefined();
      await cluster.elapse(cluster.ttlMs + Math.round(cluster.ttlMs * 0.2));
      const taken = await b.tryAcquire();
      expect(taken).toBeGreaterThan(first);
      expect(await a.renew()).toBe(false);
      expect(await a.current()).toEqual({ ownerId: 'engine-b', epoch: taken });
    });
  });
}

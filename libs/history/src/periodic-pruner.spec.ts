import { ManualClock } from '@mdg/model';
import { eventually } from '@mdg/testing';
import { linkedFinals } from './testing';
import { MemoryCandleStore } from './memory-candle-store';
import { PeriodicPruner } from './periodic-pruner';

describe('PeriodicPruner', () => {
  const T0 = 1_746_026_160_000;

  it("prunes at the clock's now, on its timer and on demand, and reports failures", async () => {
    const store = new MemoryCandleStore({ retention: { 1: 10_000 } });
    await store.upsert(
      linkedFinals(
        'A',
        1,
        Array.from({ length: 30 }, (_, i) => T0 + i * 1000),
      ),
    );
    const clock = new ManualClock(T0 + 30_000);
    const errors: Error[] = [];
    const pruner = new PeriodicPruner(store, { clock, everyMs: 10, onError: (error) => errors.push(error) });
    pruner.start();
    await eventually(async () => pruner.stats().runs >= 1, { timeoutMs: 2000, what: 'a timed run' });
    expect((await store.range('A', 1, { limit: 100 })).candles.map((c) => c.time)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + (20 + i) * 1000));
    await pruner.stop();
    const runs = pruner.stats().runs;
    clock.advance(5000);
    expect(await pruner.runOnce()).toMatchObject({ removed: 5 });
    expect(pruner.stats().runs).toBe(runs + 1);
    await store.close();
    expect(await pruner.runOnce()).toBeUndefined();
    expect(pruner.stats()).toMatchObject({ removed: 25, failures: 1 });
    expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/retention: prune failed: Candle store prune failed: the store is closed/)]);
  });
});

import { ManualScheduler } from './manual-scheduler';

describe('ManualScheduler', () => {
  it('fires due timers in time order, each at its own time, and never early', () => {
    const time = new ManualScheduler(1000);
    const fired: string[] = [];
    time.after(30, () => fired.push(`b@${time.now()}`));
    time.after(10, () => fired.push(`a@${time.now()}`));
    time.after(10, () => fired.push(`a2@${time.now()}`));
    time.advance(9);
    expect(fired).toEqual([]);
    time.advance(25);
    expect(fired).toEqual(['a@1010', 'a2@1010', 'b@1030']);
    expect(time.now()).toBe(1034);
    expect(time.pendingCount()).toBe(0);
  });

  it('repeats every-timers and cancels both kinds', () => {
    const time = new ManualScheduler();
    let ticks = 0;
    const stop = time.every(10, () => (ticks += 1));
    const cancel = time.after(5, () => (ticks += 100));
    cancel();
    time.advance(35);
    expect(ticks).toBe(3);
    stop();
    time.advance(100);
    expect(ticks).toBe(3);
    expect(time.pendingCount()).toBe(0);
  });

  it('runs timers that timers set, within the same advance', () => {
    const time = new ManualScheduler();
    const fired: number[] = [];
    time.after(10, () => time.after(10, () => fired.push(time.now())));
    time.advance(20);
    expect(fired).toEqual([20]);
  });

  it('advanceAsync lets awaited work set its next timer before time moves on', async () => {
    const time = new ManualScheduler();
    const fired: number[] = [];
    const loop = async (): Promise<void> => {
      await Promise.resolve();
      await Promise.resolve();
      fired.push(time.now());
      if (fired.length < 3) time.after(10, () => void loop());
    };
    time.after(10, () => void loop());
    await time.advanceAsync(100);
    expect(fired).toEqual([10, 20, 30]);
  });
});

import { ManualClock, systemClock } from './clock';

describe('ManualClock', () => {
  it('starts at 0 by default, or at the given time', () => {
    expect(new ManualClock().now()).toBe(0);
    expect(new ManualClock(1_746_026_160_000).now()).toBe(1_746_026_160_000);
  });

  it('only moves when told to', () => {
    const clock = new ManualClock(1000);
    expect(clock.now()).toBe(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(250);
    expect(clock.now()).toBe(1250);
    clock.advance(0);
    expect(clock.now()).toBe(1250);
    clock.set(5000);
    expect(clock.now()).toBe(5000);
    clock.set(10);
    expect(clock.now()).toBe(10);
  });

  it('accumulates successive advances', () => {
    const clock = new ManualClock();
    for (let i = 0; i < 100; i++) clock.advance(60_000);
    expect(clock.now()).toBe(6_000_000);
  });
});

describe('systemClock', () => {
  it('reads the wall clock in milliseconds', () => {
    const before = Date.now();
    const now = systemClock.now();
    const after = Date.now();
    expect(Number.isInteger(now)).toBe(true);
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
  });
});

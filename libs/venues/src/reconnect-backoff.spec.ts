import { InvalidConfigError } from '@mdg/model';
import { ReconnectBackoff } from './reconnect-backoff';

describe('ReconnectBackoff', () => {
  it('doubles from the initial delay up to the cap, and starts over after reset', () => {
    const backoff = new ReconnectBackoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 }, () => 0);
    expect(Array.from({ length: 6 }, () => backoff.next())).toEqual([
      { attempt: 0, delayMs: 100 },
      { attempt: 1, delayMs: 200 },
      { attempt: 2, delayMs: 400 },
      { attempt: 3, delayMs: 800 },
      { attempt: 4, delayMs: 1000 },
      { attempt: 5, delayMs: 1000 },
    ]);
    backoff.reset();
    expect(backoff.next()).toEqual({ attempt: 0, delayMs: 100 });
  });

  it('jitter removes up to its fraction of the delay, driven by the injected random', () => {
    const draws = [0, 0.5, 0.999];
    const backoff = new ReconnectBackoff({ initialDelayMs: 1000, multiplier: 1, jitter: 0.4 }, () => draws.shift()!);
    expect([backoff.next().delayMs, backoff.next().delayMs, backoff.next().delayMs]).toEqual([1000, 800, 600]);
  });

  it('defaults: 500 ms doubling to 30 s with 50 % jitter', () => {
    const backoff = new ReconnectBackoff({}, () => 0.999999);
    const delays = Array.from({ length: 10 }, () => backoff.next().delayMs);
    expect(delays[0]).toBe(250);
    expect(delays[9]).toBe(15_000);
  });

  it('rejects nonsensical options, listing every problem', () => {
    expect(() => new ReconnectBackoff({ initialDelayMs: -1, multiplier: 0.5, jitter: 2 })).toThrow(InvalidConfigError);
    expect(ReconnectBackoff.validate({ initialDelayMs: 10, maxDelayMs: 5 })).toEqual(['backoff.maxDelayMs must be >= initialDelayMs, got 5']);
  });
});

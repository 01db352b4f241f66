import { InboundRateLimiter } from './inbound-rate-limiter';

describe('InboundRateLimiter', () => {
  it('allows the budget per second, then limits', () => {
    const limiter = new InboundRateLimiter(10, 3);
    const results = Array.from({ length: 12 }, () => limiter.take(5_000));
    expect(results.slice(0, 10).every((r) => r === 'ok')).toBe(true);
    expect(results.slice(10)).toEqual(['limited', 'limited']);
    expect(limiter.take(6_000)).toBe('ok');
  });

  it('closes after the budget is exceeded in consecutive seconds', () => {
    const limiter = new InboundRateLimiter(2, 3);
    const overBudget = (second: number) => [0, 1, 2].map(() => limiter.take(second * 1000)).at(-1);
    expect(overBudget(1)).toBe('limited');
    expect(overBudget(2)).toBe('limited');
    expect(overBudget(3)).toBe('close');
  });

  it('forgives after a calm second', () => {
    const limiter = new InboundRateLimiter(2, 2);
    const overBudget = (second: number) => [0, 1, 2].map(() => limiter.take(second * 1000)).at(-1);
    expect(overBudget(1)).toBe('limited');
    expect(limiter.take(2_000)).toBe('ok');
    expect(overBudget(3)).toBe('limited');
    expect(overBudget(5)).toBe('limited'); // not consecutive with 3
  });

  it('closes at once on a flood of three budgets in one second', () => {
    const limiter = new InboundRateLimiter(10, 3);
    const results = Array.from({ length: 31 }, () => limiter.take(1_000));
    expect(results[29]).toBe('limited');
    expect(results[30]).toBe('close');
  });
});

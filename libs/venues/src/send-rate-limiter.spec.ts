import { InvalidConfigError } from '@mdg/model';
import { SendRateLimiter } from './send-rate-limiter';
import { ManualVenueTimers } from './testing/manual-venue-timers';

describe('SendRateLimiter', () => {
  it('never lets more than maxMessages into any window of perMs + margin, in request order', () => {
    const timers = new ManualVenueTimers();
    const limiter = new SendRateLimiter({ maxMessages: 5, perMs: 1000, marginMs: 0 }, timers);
    const sentAt: [number, number][] = [];
    for (let i = 0; i < 12; i++)
      limiter.schedule(
        () => sentAt.push([i, timers.now()]),
        () => true,
      );
    expect(sentAt.map(([, at]) => at)).toEqual([0, 0, 0, 0, 0]);
    timers.advance(5000);
    expect(sentAt.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(sentAt.map(([, at]) => at)).toEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 2000, 2000]);
    for (const [, at] of sentAt) expect(sentAt.filter(([, other]) => other > at - 1000 && other <= at).length).toBeLessThanOrEqual(5);
  });

  it('the margin widens the window', () => {
    const timers = new ManualVenueTimers();
    const limiter = new SendRateLimiter({ maxMessages: 1, perMs: 1000 }, timers);
    const sentAt: number[] = [];
    for (let i = 0; i < 3; i++)
      limiter.schedule(
        () => sentAt.push(timers.now()),
        () => true,
      );
    timers.advance(5000);
    expect(sentAt).toEqual([0, 1150, 2300]);
  });

  it('drops messages whose connection died while queued, and everything once disposed', () => {
    const timers = new ManualVenueTimers();
    const limiter = new SendRateLimiter({ maxMessages: 1, perMs: 100, marginMs: 0 }, timers);
    let alive = true;
    const sent: string[] = [];
    limiter.schedule(
      () => sent.push('a'),
      () => alive,
    );
    limiter.schedule(
      () => sent.push('b'),
      () => alive,
    );
    limiter.schedule(
      () => sent.push('c'),
      () => true,
    );
    alive = false;
    timers.advance(1000);
    expect(sent).toEqual(['a', 'c']);
    limiter.schedule(
      () => sent.push('d'),
      () => true,
    );
    limiter.schedule(
      () => sent.push('e'),
      () => true,
    );
    limiter.dispose();
    timers.advance(1000);
    expect(sent).toEqual(['a', 'c', 'd']);
    expect(limiter.pending()).toBe(0);
    expect(timers.pendingCount()).toBe(0);
  });

  it('validates its limit', () => {
    expect(() => new SendRateLimiter({ maxMessages: 0, perMs: 0 }, new ManualVenueTimers())).toThrow(InvalidConfigError);
  });
});

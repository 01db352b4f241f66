import { ManualClock } from '@mdg/model';
import { addressKey, AuthAttemptLimiter } from './auth-attempt-limiter';

describe('AuthAttemptLimiter', () => {
  let clock: ManualClock;
  let limiter: AuthAttemptLimiter;

  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    limiter = new AuthAttemptLimiter({ clock }); // 10 failures per minute
  });

  it('blocks an address after 10 failures in a burst', () => {
    for (let i = 1; i <= 9; i++) {
      expect(limiter.recordFailure('203.0.113.7')).toBe(false);
      expect(limiter.isBlocked('203.0.113.7')).toBe(false);
    }
    expect(limiter.recordFailure('203.0.113.7')).toBe(true);
    expect(limiter.isBlocked('203.0.113.7')).toBe(true);
    expect(limiter.retryAfterMs('203.0.113.7')).toBe(6000);
  });

  it('lets one attempt through per refill interval, and recovers fully after the window', () => {
    for (let i = 0; i < 10; i++) limiter.recordFailure('203.0.113.7');
    clock.advance(5999);
    expect(limiter.isBlocked('203.0.113.7')).toBe(true);
    expect(limiter.retryAfterMs('203.0.113.7')).toBe(1);
    clock.advance(1);
    expect(limiter.isBlocked('203.0.113.7')).toBe(false);
    expect(limiter.recordFailure('203.0.113.7')).toBe(true);
    expect(limiter.isBlocked('203.0.113.7')).toBe(true);

    clock.advance(60_000);
    expect(limiter.isBlocked('203.0.113.7')).toBe(false);
    expect(limiter.size).toBe(0); // fully recovered entries are forgotten
    for (let i = 0; i < 9; i++) expect(limiter.recordFailure('203.0.113.7')).toBe(false);
  });

  it('a steady 10 failures per minute never blocks; 12 per minute does', () => {
    for (let i = 0; i < 100; i++) {
      expect(limiter.recordFailure('198.51.100.1')).toBe(false);
      clock.advance(6000);
    }
    const fast = new AuthAttemptLimiter({ clock });
    let blocked = false;
    for (let i = 0; i < 100 && !blocked; i++) {
      blocked = fast.recordFailure('198.51.100.1');
      clock.advance(5000);
    }
    expect(blocked).toBe(true);
  });

  it('keeps addresses independent', () => {
    for (let i = 0; i < 10; i++) limiter.recordFailure('203.0.113.7');
    expect(limiter.isBlocked('203.0.113.7')).toBe(true);
    expect(limiter.isBlocked('203.0.113.8')).toBe(false);
    expect(limiter.retryAfterMs('203.0.113.8')).toBe(0);
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address, and IPv6 per /64', () => {
    for (let i = 0; i < 5; i++) limiter.recordFailure('::ffff:203.0.113.7');
    for (let i = 0; i < 5; i++) limiter.recordFailure('0000:0000:0000:0000:0000:ffff:cb00:7107');
    expect(limiter.isBlocked('203.0.113.7')).toBe(true);

    for (let i = 0; i < 10; i++) limiter.recordFailure(`2001:db8:1:2::${i.toString(16)}`);
    expect(limiter.isBlocked('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(true);
    expect(limiter.isBlocked('2001:db8:1:3::1')).toBe(false);
  });

  it('bounds its memory: beyond maxEntries the least recently failing addresses are forgotten', () => {
    const small = new AuthAttemptLimiter({ clock, maxEntries: 100 });
    for (let i = 0; i < 10; i++) small.recordFailure('192.0.2.1');
    for (let i = 0; i < 1000; i++) {
      small.recordFailure(`10.0.${i >> 8}.${i & 0xff}`);
      expect(small.size).toBeLessThanOrEqual(100);
    }
    expect(small.size).toBe(100);
    expect(small.isBlocked('192.0.2.1')).toBe(false); // evicted
    for (let i = 0; i < 9; i++) small.recordFailure('10.0.3.231'); // the newest is still tracked
    expect(small.isBlocked('10.0.3.231')).toBe(true);
  });

  it('honours custom limits', () => {
    const strict = new AuthAttemptLimiter({ clock, maxFailures: 3, windowMs: 1000 });
    strict.recordFailure('a');
    strict.recordFailure('a');
    expect(strict.isBlocked('a')).toBe(false);
    expect(strict.recordFailure('a')).toBe(true);
    expect(strict.retryAfterMs('a')).toBe(334);
    clock.advance(1000);
    expect(strict.isBlocked('a')).toBe(false);
  });

  it('validates its options', () => {
    expect(() => new AuthAttemptLimiter({ maxFailures: 0 })).toThrow(RangeError);
    expect(() => new AuthAttemptLimiter({ maxFailures: 2.5 })).toThrow(RangeError);
    expect(() => new AuthAttemptLimiter({ windowMs: 0 })).toThrow(RangeError);
    expect(() => new AuthAttemptLimiter({ maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('addressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['0000:0000:0000:0000:0000:ffff:7f00:0001', '127.0.0.1'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['unix-socket', 'unix-socket'],
  ])('%s → %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it('truncates unparseable text', () => {
    expect(addressKey('x'.repeat(500))).toHaveLength(100);
  });
});

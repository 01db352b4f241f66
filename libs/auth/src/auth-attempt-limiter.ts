import { isIPv4, isIPv6 } from 'node:net';
import { systemClock, type Clock } from '@mdg/model';

export interface AuthAttemptLimiterOptions {
  clock?: Clock;
  /** Failures allowed per window (the burst). Default 10. */
  maxFailures?: number;
  /** Window in whole ms: `maxFailures` failures per window on average. Default 60000. */
  windowMs?: number;
  /** Most addresses tracked at once; the least recently failing are forgotten first. Default 10000. */
  maxEntries?: number;
}

/**
 * Rate limit on failed authentications per remote address, to stop key guessing: a token
 * bucket per address allowing `maxFailures` in a burst and one more every
 * `windowMs / maxFailures`. Blocked addresses should be refused before any key lookup. Successes are not counted. IPv4-mapped IPv6 addresses count as
 * their IPv4 address, and IPv6 addresses per /64 (one host usually owns a whole /64).
 * Memory is bounded by `maxEntries` (entries that fully recovered are dropped on sight;
 * beyond the cap the least recently failing addresses are evicted).
 */
export class AuthAttemptLimiter {
  private readonly clock: Clock;
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  /**
   * Integer bookkeeping (no float drift): one failure adds `windowMs` units of debt, debt drains
   * `maxFailures` units per ms, and an address is blocked while its debt exceeds this tolerance,
   * i.e. while one more failure would overflow a bucket of `maxFailures` failures.
   */
  private readonly toleranceUnits: number;
  /** address key → debt as of `at`; insertion order = least recently failing first. */
  private readonly entries = new Map<string, { debt: number; at: number }>();

  constructor(options: AuthAttemptLimiterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(this.maxFailures) || this.maxFailures < 1) throw new RangeError(`maxFailures must be a positive integer, got ${this.maxFailures}`);
    if (!Number.isInteger(this.windowMs) || this.windowMs < 1) throw new RangeError(`windowMs must be a positive integer, got ${this.windowMs}`);
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${this.maxEntries}`);
    this.toleranceUnits = this.windowMs * (this.maxFailures - 1);
  }

  /** True when one more failure from this address would exceed the rate: refuse without checking the key. */
  isBlocked(address: string): boolean {
    return this.retryAfterMs(address) > 0;
  }

  /** How long until the address may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const key = addressKey(address);
    const debt = this.debtNow(key);
    if (debt === 0) {
      this.entries.delete(key); // fully recovered: forget it
      return 0;
    }
    return Math.max(0, Math.ceil((debt - this.toleranceUnits) / this.maxFailures));
  }

  /** Counts one failed attempt; returns true when the address is now blocked. */
  recordFailure(address: string): boolean {
    const key = addressKey(address);
    const debt = this.debtNow(key) + this.windowMs;
    this.entries.delete(key);
    this.entries.set(key, { debt, at: this.clock.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return debt > this.toleranceUnits;
  }

  /** Addresses currently tracked. */
  get size(): number {
    return this.entries.size;
  }

  private debtNow(key: string): number {
    const entry = this.entries.get(key);
    if (entry === undefined) return 0;
    const elapsed = Math.max(0, this.clock.now() - entry.at);
    return Math.max(0, entry.debt - elapsed * this.maxFailures);
  }
}

/** The identity a remote address is limited under (see the class comment). */
export function addressKey(address: string): string {
  const text = address.trim().toLowerCase();
  if (isIPv4(text)) return text;
  const unzoned = text.replace(/%.*$/, '');
  if (!isIPv6(unzoned)) return text.slice(0, 100);
  const groups = expandIPv6(unzoned);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (embedded IPv4 tail included). */
function expandIPv6(address: string): number[] {
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((piece) => {
          if (!piece.includes('.')) return [Number.parseInt(piece, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const doubleColon = address.indexOf('::');
  if (doubleColon === -1) return toGroups(address);
  const head = toGroups(address.slice(0, doubleColon));
  const tail = toGroups(address.slice(doubleColon + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

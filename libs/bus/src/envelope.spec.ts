import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { monotonicOf, preciseNow } from './envelope';

const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

describe('preciseNow and monotonicOf', () => {
  it('preciseNow follows the wall clock with sub-millisecond steps', () => {
    const before = Date.now();
    const now = preciseNow();
    const after = Date.now();
    expect(now).toBeGreaterThanOrEqual(before - 0.1);
    expect(now).toBeLessThan(after + 1.1);
  });

  it('monotonicOf maps a stamp onto CLOCK_MONOTONIC (what the benchmark client reads)', () => {
    const before = monotonicMs();
    const stamp = preciseNow();
    const after = monotonicMs();
    // Bracketed by two monotonic reads, so a busy machine cannot fail it, only widen the bracket.
    expect(monotonicOf(stamp)).toBeGreaterThanOrEqual(before - 0.05);
    expect(monotonicOf(stamp)).toBeLessThanOrEqual(after + 0.05);
    expect(monotonicOf(stamp + 5) - monotonicOf(stamp)).toBeCloseTo(5, 9);
  });

  it('two processes agree on the wall-to-monotonic offset to well under a millisecond (an engine and an edge compare stamps)', () => {
    const script = `const { monotonicOf, preciseNow } = require(${JSON.stringify(path.join(__dirname, 'envelope.ts'))}); const s = preciseNow(); process.stdout.write(String(s - monotonicOf(s)));`;
    const other = Number(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' }));
    const stamp = preciseNow();
    const mine = stamp - monotonicOf(stamp);
    expect(Number.isFinite(other)).toBe(true);
    expect(Math.abs(other - mine)).toBeLessThan(0.3);
  });
});

import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A Redis key prefix no other test (in this run or a concurrent one on the same server)
 * uses: `t:<name>:<pid>.<n>.<random>:`. Name it after the test so leftovers are readable.
 */
export function uniquePrefix(name: string): string {
  counter += 1;
  const label = name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'test';
  return `t:${label}:${process.pid}.${counter}.${randomBytes(3).toString('hex')}:`;
}

import { InvalidConfigError } from '@mdg/model';

/**
 * Checks the namespace every key and channel of an adapter starts with (e.g. `mdg:`), so
 * deployments and tests can share a Redis. Braces are refused because they would change
 * which Redis Cluster slot a key hashes to.
 */
export function assertKeyPrefix(keyPrefix: unknown, owner: string): asserts keyPrefix is string {
  if (typeof keyPrefix !== 'string' || !/^[^\s{}]{1,100}$/.test(keyPrefix)) {
    throw new InvalidConfigError([`${owner}: keyPrefix must be 1-100 characters without spaces or braces, e.g. "mdg:" (got ${JSON.stringify(keyPrefix)})`]);
  }
}

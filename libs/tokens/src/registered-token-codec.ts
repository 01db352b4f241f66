import { TokenStoreError } from '@mdg/model';
import { checkTokenDefinition } from './check-token-definition';
import type { RegisteredToken } from './token-registry';

/**
 * Reads one stored registration (a tokens-file entry, a Redis hash value) into a frozen
 * RegisteredToken with only the known fields; throws TokenStoreError('corrupt') naming `where`.
 */
export function decodeRegisteredToken(raw: unknown, where: string): RegisteredToken {
  let definition;
  try {
    definition = checkTokenDefinition(raw);
  } catch (error) {
    throw new TokenStoreError('corrupt', `${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const record = raw as Record<string, unknown>;
  const registeredAt = record['registeredAt'];
  if (typeof registeredAt !== 'number' || !Number.isSafeInteger(registeredAt) || registeredAt < 0)
    throw new TokenStoreError('corrupt', `${where}: registeredAt must be unix milliseconds`);
  const origin = record['origin'];
  if (origin !== 'manual' && origin !== 'auto') throw new TokenStoreError('corrupt', `${where}: origin must be "manual" or "auto"`);
  return Object.freeze({ ...definition, registeredAt, origin });
}

/** The stored form: the fields in a fixed order (stable files, comparable Redis values). */
export function encodeRegisteredToken(token: RegisteredToken): Record<string, unknown> {
  const { tokenAddress, quoteToken, decimals, symbol, registeredAt, origin } = token;
  return { tokenAddress, quoteToken, decimals, symbol, registeredAt, origin };
}

/** Oldest registration first, then by address: the order `list()` returns. */
export function compareRegisteredTokens(a: RegisteredToken, b: RegisteredToken): number {
  return a.registeredAt - b.registeredAt || (a.tokenAddress < b.tokenAddress ? -1 : a.tokenAddress > b.tokenAddress ? 1 : 0);
}

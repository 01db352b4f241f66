import { InstrumentRegistry, InvalidInstrumentError, TokenStoreError, type TokenDefinition } from '@mdg/model';

/**
 * Returns a frozen copy of `input` with only the definition fields, or throws
 * TokenStoreError('invalid-argument'). The rules are InstrumentRegistry.registerToken's own,
 * so whatever a store accepts every node can register.
 */
export function checkTokenDefinition(input: unknown): TokenDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new TokenStoreError('invalid-argument', 'a token definition must be an object');
  const raw = input as Record<string, unknown>;
  const definition = { tokenAddress: raw['tokenAddress'], quoteToken: raw['quoteToken'], decimals: raw['decimals'], symbol: raw['symbol'] } as TokenDefinition;
  if (typeof definition.tokenAddress !== 'string') throw new TokenStoreError('invalid-argument', 'tokenAddress must be a string');
  if (typeof definition.quoteToken !== 'string') throw new TokenStoreError('invalid-argument', 'quoteToken must be a string');
  if (typeof definition.decimals !== 'number') throw new TokenStoreError('invalid-argument', 'decimals must be a number');
  try {
    // A throwaway registry: registerToken is the one definition check (a price symbol is never a valid address).
    new InstrumentRegistry([definition]);
  } catch (error) {
    if (error instanceof InvalidInstrumentError) throw new TokenStoreError('invalid-argument', error.message, { cause: error });
    throw error;
  }
  return Object.freeze({ tokenAddress: definition.tokenAddress, quoteToken: definition.quoteToken, decimals: definition.decimals, symbol: definition.symbol });
}

/** Whether two definitions describe the same registration (what registerToken treats as identical). */
export function sameTokenDefinition(a: TokenDefinition, b: TokenDefinition): boolean {
  return a.tokenAddress === b.tokenAddress && a.quoteToken === b.quoteToken && a.decimals === b.decimals && a.symbol === b.symbol;
}

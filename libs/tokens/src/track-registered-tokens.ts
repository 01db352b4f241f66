import { InvalidInstrumentError, TokenStoreError, type InstrumentRegistry } from '@mdg/model';
import type { RegisteredToken, TokenRegistry } from './token-registry';

/**
 * Feeds a node's InstrumentRegistry from the token store: every stored token now, and every
 * token registered later (here or on another node) as its event arrives. Run it on every node
 * (engines need it to accept trades, edges to accept chart-live subscriptions).
 *
 * A stored token that clashes with what this registry already holds (re-registered elsewhere
 * with another definition while this node ran) cannot be applied until restart: it is reported
 * through `onError` as TokenStoreError('conflict'), and the registry keeps the old definition.
 * Removals are not applied (InstrumentRegistry is append-only; see TokenRegistry).
 *
 * Resolves once the stored tokens are registered; the returned function stops following.
 */
export async function trackRegisteredTokens(
  store: TokenRegistry,
  registry: InstrumentRegistry,
  onError: (error: TokenStoreError) => void,
): Promise<() => void> {
  const register = (token: RegisteredToken): void => {
    try {
      registry.registerToken(token);
    } catch (error) {
      if (!(error instanceof InvalidInstrumentError)) throw error;
      onError(
        new TokenStoreError('conflict', `cannot track ${token.tokenAddress} (${token.symbol}) on this node until it restarts: ${error.message}`, {
          cause: error,
        }),
      );
    }
  };
  // Subscribe first, then list: a token added in between arrives twice, and registerToken is idempotent.
  const unsubscribe = store.onAdded(register);
  try {
    for (const token of await store.list()) register(token);
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return unsubscribe;
}

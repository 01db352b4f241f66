import type { TokenDefinition, TokenStoreError } from '@mdg/model';

/** How a token came to be registered: by an operator (`tokens add`) or by auto-tracking on its first trade. */
export type TokenOrigin = 'manual' | 'auto';

/** A stored registration: the definition InstrumentRegistry.registerToken takes, plus when and how it was made. */
export interface RegisteredToken extends TokenDefinition {
  /** Unix ms. */
  readonly registeredAt: number;
  readonly origin: TokenOrigin;
}

/** Outcome of `add`: `added` false when the identical definition was already registered (nothing changed). */
export interface TokenAddResult {
  readonly added: boolean;
  readonly token: RegisteredToken;
}

/**
 * The token registration store port: the durable list of tracked Solana tokens that every
 * node feeds into its InstrumentRegistry (see trackRegisteredTokens). Change events fire for
 * changes made here and, for shared implementations (file, Redis), by other processes and nodes.
 *
 * Removal takes effect in the store at once, but an InstrumentRegistry never forgets an
 * instrument (live subscriptions and candle series are never pulled from under clients):
 * running nodes keep tracking a removed token until they restart.
 */
export interface TokenRegistry {
  /** Every registered token, oldest registration first. */
  list(): Promise<RegisteredToken[]>;
  get(tokenAddress: string): Promise<RegisteredToken | undefined>;
  /**
   * Registers a token; idempotent for an identical definition.
   * @throws TokenStoreError `invalid-argument` for a malformed definition, `conflict` when the
   *   address is registered with a different one (remove it first).
   */
  add(definition: TokenDefinition, origin?: TokenOrigin): Promise<TokenAddResult>;
  /** Unregisters; the removed registration, or undefined when the address was not registered. */
  remove(tokenAddress: string): Promise<RegisteredToken | undefined>;
  /** A token was registered (here or elsewhere). Returns an unsubscribe function. */
  onAdded(listener: (token: RegisteredToken) => void): () => void;
  /** A token was unregistered (here or elsewhere). */
  onRemoved(listener: (token: RegisteredToken) => void): () => void;
  /** Background failures (an unreadable file on reload, a lost Redis connection); the store keeps its last good state. */
  onError(listener: (error: TokenStoreError) => void): () => void;
  close(): Promise<void>;
}

import { TokenStoreError, systemClock, type Clock, type TokenDefinition } from '@mdg/model';
import { checkTokenDefinition, sameTokenDefinition } from './check-token-definition';
import { compareRegisteredTokens } from './registered-token-codec';
import type { RegisteredToken, TokenAddResult, TokenOrigin, TokenRegistry } from './token-registry';

/** Registrations by token address. */
export type TokenTable = ReadonlyMap<string, RegisteredToken>;

/** A pure change of the table: the value to return, and the next table when something changed. */
export interface TokenMutation<T> {
  result: T;
  next?: Map<string, RegisteredToken>;
}

/**
 * The logic shared by the token stores that keep the whole list in memory (every one here:
 * token lists are small). Reads are served from the table; mutations are pure functions of the
 * durable state; events come from diffing each adopted table with the previous one, so a
 * reload (file poll, Redis event) and a local write notify the same way. Subclasses decide
 * how a mutation becomes durable (`transact`).
 */
export abstract class LocalTokenRegistry implements TokenRegistry {
  private table: TokenTable = new Map();
  private readonly addedListeners = new Set<(token: RegisteredToken) => void>();
  private readonly removedListeners = new Set<(token: RegisteredToken) => void>();
  private readonly errorListeners = new Set<(error: TokenStoreError) => void>();
  protected closed = false;

  protected constructor(protected readonly clock: Clock = systemClock) {}

  /** Applies `mutation` to the current durable state, makes the result durable, then adopts it. */
  protected abstract transact<T>(mutation: (table: TokenTable) => TokenMutation<T>): Promise<T>;

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a closed registry rejects (the TokenRegistry contract) rather than throws
  async list(): Promise<RegisteredToken[]> {
    this.assertOpen();
    return [...this.table.values()].sort(compareRegisteredTokens);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a closed registry rejects (the TokenRegistry contract) rather than throws
  async get(tokenAddress: string): Promise<RegisteredToken | undefined> {
    this.assertOpen();
    return this.table.get(tokenAddress);
  }

  async add(input: TokenDefinition, origin: TokenOrigin = 'manual'): Promise<TokenAddResult> {
    this.assertOpen();
    const definition = checkTokenDefinition(input);
    if (origin !== 'manual' && origin !== 'auto') throw new TokenStoreError('invalid-argument', `origin must be 'manual' or 'auto', got ${String(origin)}`);
    // A fast path that needs no lock: the common auto-track call for an already known token.
    const known = this.table.get(definition.tokenAddress);
    if (known !== undefined && sameTokenDefinition(known, definition)) return { added: false, token: known };
    return this.transact<TokenAddResult>((table) => {
      const existing = table.get(definition.tokenAddress);
      if (existing !== undefined) {
        if (sameTokenDefinition(existing, definition)) return { result: { added: false, token: existing } };
        throw new TokenStoreError(
          'conflict',
          `${definition.tokenAddress} is already registered as ${existing.symbol} (decimals ${existing.decimals}, quote ${existing.quoteToken}); remove it first to change it`,
        );
      }
      const token: RegisteredToken = Object.freeze({ ...definition, registeredAt: this.clock.now(), origin });
      const next = new Map(table);
      next.set(token.tokenAddress, token);
      return { result: { added: true, token }, next };
    });
  }

  async remove(tokenAddress: string): Promise<RegisteredToken | undefined> {
    this.assertOpen();
    if (typeof tokenAddress !== 'string' || tokenAddress.length === 0) throw new TokenStoreError('invalid-argument', 'remove needs a token address');
    return this.transact((table) => {
      const existing = table.get(tokenAddress);
      if (existing === undefined) return { result: undefined };
      const next = new Map(table);
      next.delete(tokenAddress);
      return { result: existing, next };
    });
  }

  onAdded(listener: (token: RegisteredToken) => void): () => void {
    this.addedListeners.add(listener);
    return () => this.addedListeners.delete(listener);
  }

  onRemoved(listener: (token: RegisteredToken) => void): () => void {
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }

  onError(listener: (error: TokenStoreError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** The table every read is served from. */
  protected get current(): TokenTable {
    return this.table;
  }

  /** Adopts `next` and notifies removals, then additions (a changed definition is both, in that order). */
  protected adopt(next: TokenTable): void {
    const previous = this.table;
    this.table = next;
    const removed: RegisteredToken[] = [];
    const added: RegisteredToken[] = [];
    for (const [address, before] of previous) {
      const after = next.get(address);
      if (after === undefined || !sameTokenDefinition(before, after)) removed.push(before);
    }
    for (const [address, after] of next) {
      const before = previous.get(address);
      if (before === undefined || !sameTokenDefinition(before, after)) added.push(after);
    }
    for (const token of removed) this.notify(this.removedListeners, token, 'onRemoved');
    for (const token of added.sort(compareRegisteredTokens)) this.notify(this.addedListeners, token, 'onAdded');
  }

  /** Reports a background failure to the onError listeners (or as a process warning when nobody listens). */
  protected reportError(error: TokenStoreError): void {
    if (this.errorListeners.size === 0) {
      process.emitWarning(error.message, { type: error.name, code: error.code });
      return;
    }
    for (const listener of this.errorListeners) {
      try {
        listener(error);
      } catch (listenerError) {
        process.emitWarning(`a token store onError listener threw: ${String(listenerError)}`, { type: 'TokenStoreError', code: 'TOKEN_STORE_ERROR' });
      }
    }
  }

  protected assertOpen(): void {
    if (this.closed) throw new TokenStoreError('closed', 'the token store is closed');
  }

  private notify(listeners: ReadonlySet<(token: RegisteredToken) => void>, token: RegisteredToken, kind: string): void {
    for (const listener of listeners) {
      try {
        listener(token);
      } catch (error) {
        this.reportError(new TokenStoreError('listener', `an ${kind} listener threw for ${token.tokenAddress}: ${String(error)}`, { cause: error }));
      }
    }
  }
}

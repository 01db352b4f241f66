import { MdgError } from './mdg-error';

/**
 * Why a token registration store operation failed:
 * - `corrupt`: the tokens file (or stored data) is not a valid token list;
 * - `io`: the storage could not be read or written (permissions, disk, network);
 * - `locked`: another writer held the store's lock for too long;
 * - `invalid-argument`: the definition itself is malformed (bad address, decimals, symbol);
 * - `conflict`: the token is already registered with a different definition;
 * - `closed`: the store was used after close();
 * - `listener`: a change listener threw (reported through onError, never thrown at the store).
 */
export type TokenStoreErrorReason = 'corrupt' | 'io' | 'locked' | 'invalid-argument' | 'conflict' | 'closed' | 'listener';

/** The token registration store could not be read or written, or refused a request. */
export class TokenStoreError extends MdgError {
  constructor(
    readonly reason: TokenStoreErrorReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('TOKEN_STORE_ERROR', `Token store error (${reason}): ${detail}`, options);
  }
}

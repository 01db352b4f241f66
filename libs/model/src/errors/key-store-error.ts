import { MdgError } from './mdg-error';

/**
 * Why a key store operation failed:
 * - `corrupt`: the keys file (or stored data) is not a valid key list;
 * - `io`: the storage could not be read or written (permissions, disk, network);
 * - `locked`: another writer held the store's lock for too long;
 * - `invalid-argument`: the request itself is malformed (bad user id, malformed key);
 * - `conflict`: the request clashes with stored data (duplicate key, ambiguous prefix);
 * - `closed`: the store was used after close();
 * - `listener`: a change listener threw (reported through onError, never thrown at the store).
 */
export type KeyStoreErrorReason = 'corrupt' | 'io' | 'locked' | 'invalid-argument' | 'conflict' | 'closed' | 'listener';

/** The API key store could not be read or written, or refused a malformed request. */
export class KeyStoreError extends MdgError {
  constructor(
    readonly reason: KeyStoreErrorReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('KEY_STORE_ERROR', `Key store error (${reason}): ${detail}`, options);
  }
}

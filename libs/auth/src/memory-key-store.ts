import type { Clock } from '@mdg/model';
import { toRecord } from './key-file-format';
import type { ApiKeyRecord } from './key-store';
import { LocalKeyStore, type KeyMutation, type KeyTable } from './local-key-store';

export interface MemoryKeyStoreOptions {
  /** Source of createdAt / revokedAt. Default: the system clock. */
  clock?: Clock;
  /** Initial records (e.g. from a fixture). */
  records?: readonly ApiKeyRecord[];
}

/** In-process key store (tests, the embedded demo). Nothing survives the process. */
export class MemoryKeyStore extends LocalKeyStore {
  constructor(options: MemoryKeyStoreOptions = {}) {
    super(options.clock);
    if (options.records) this.adopt(new Map(options.records.map((record) => [record.keyHash, toRecord(record)])));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a closed store rejects (the KeyStore contract) rather than throws
  protected async transact<T>(mutation: (table: KeyTable) => KeyMutation<T>): Promise<T> {
    this.assertOpen();
    const { result, next } = mutation(this.current);
    if (next) this.adopt(next);
    return result;
  }
}

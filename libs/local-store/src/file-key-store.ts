import { WatchedJsonFile } from '@mdg/file-store';
import { KeyStoreError, type Clock } from '@mdg/model';
import { LocalKeyStore, parseKeyFile, serializeKeyFile, type ApiKeyRecord, type KeyMutation, type KeyTable } from '@mdg/auth';

export interface FileKeyStoreOptions {
  /** The JSON keys file. Created (mode 0600, parent directories 0700) on the first write. */
  path: string;
  /** Source of createdAt / revokedAt. Default: the system clock. */
  clock?: Clock;
  /** Poll the file and reload on external changes (another process, the CLI). Default true; one-shot tools turn it off. */
  watch?: boolean;
  /** Stat polling period, 10..1000 ms. Default 500: an external change is seen within about a second. */
  pollIntervalMs?: number;
  /** How long a write waits for another writer's lock before failing. Default 15000 ms. */
  lockTimeoutMs?: number;
  /** A lock file older than this was left by a dead writer (writes take milliseconds) and is broken. Default 10000 ms. */
  staleLockMs?: number;
}

/**
 * Key store backed by one JSON file holding only key hashes and prefixes.
 * - Writes: re-read the file under a lock file (`<path>.lock`), apply the change, write a
 *   temp file (0600, fsynced) and rename it over the original, so readers never see half a file
 *   and concurrent writers (the server and the CLI) never lose each other's changes.
 * - External changes: the file is stat-polled (fs.watchFile; fs.watch misses rename-replace)
 *   and reloaded; keys that were revoked or removed fire onRevoked.
 * - A corrupt, unreadable or vanished file on reload keeps the last good state and is
 *   reported through onError; a write refuses to overwrite a corrupt file.
 */
export class FileKeyStore extends LocalKeyStore {
  readonly path: string;
  private readonly file: WatchedJsonFile<ApiKeyRecord, KeyStoreError>;

  private constructor(options: FileKeyStoreOptions) {
    super(options.clock);
    this.file = new WatchedJsonFile<ApiKeyRecord, KeyStoreError>({
      ...options, // path, watch, pollIntervalMs, lockTimeoutMs, staleLockMs
      fileMode: 0o600, // only key hashes, but still nobody else's business
      directoryMode: 0o700,
      parse: parseKeyFile,
      serialize: (table) => serializeKeyFile(table.values()),
      createError: (reason, detail, errorOptions) => new KeyStoreError(reason, detail, errorOptions),
      isError: (error): error is KeyStoreError => error instanceof KeyStoreError,
      rowsName: 'keys',
      writerCommand: 'mdg keys',
      owner: {
        current: () => this.current,
        adopt: (table) => this.adopt(table),
        reportError: (error) => this.reportError(error),
        isClosed: () => this.closed,
        assertOpen: () => this.assertOpen(),
      },
    });
    this.path = this.file.path;
  }

  /**
   * Loads the file (missing → empty store) and starts watching it.
   * @throws KeyStoreError `corrupt` or `io` when the file exists but cannot be used.
   */
  static async open(options: FileKeyStoreOptions): Promise<FileKeyStore> {
    const store = new FileKeyStore(options);
    await store.file.open();
    return store;
  }

  /** Re-reads the file now (the poller calls this on every change). Never rejects: failures go to onError. */
  reload(): Promise<void> {
    return this.file.reload();
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    await super.close();
    await this.file.close();
  }

  protected transact<T>(mutation: (table: KeyTable) => KeyMutation<T>): Promise<T> {
    return this.file.transact(mutation);
  }
}

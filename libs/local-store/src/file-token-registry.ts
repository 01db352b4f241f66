import { WatchedJsonFile } from '@mdg/file-store';
import { TokenStoreError, type Clock } from '@mdg/model';
import { LocalTokenRegistry, parseTokenFile, serializeTokenFile, type RegisteredToken, type TokenMutation, type TokenTable } from '@mdg/tokens';

export interface FileTokenRegistryOptions {
  /** The JSON tokens file. Created (mode 0644, parent directories 0755) on the first write. */
  path: string;
  /** Source of registeredAt. Default: the system clock. */
  clock?: Clock;
  /** Poll the file and reload on external changes (the CLI, another process). Default true; one-shot tools turn it off. */
  watch?: boolean;
  /** Stat polling period, 10..1000 ms. Default 500: an external change is seen within about a second. */
  pollIntervalMs?: number;
  /** How long a write waits for another writer's lock before failing. Default 15000 ms. */
  lockTimeoutMs?: number;
  /** A lock file older than this was left by a dead writer (writes take milliseconds) and is broken. Default 10000 ms. */
  staleLockMs?: number;
}

/**
 * Token store backed by one JSON file (`{"version":1,"tokens":[...]}`), the embedded gateway's
 * and the CLI's shared registration list. Same discipline as FileKeyStore:
 * - writes re-read the file under a lock file (`<path>.lock`), apply the change, write a temp
 *   file (fsynced) and rename it over the original, so readers never see half a file and the
 *   gateway and the CLI never lose each other's changes;
 * - the file is stat-polled (fs.watchFile: fs.watch misses rename-replace) and reloaded;
 *   additions and removals made elsewhere fire onAdded / onRemoved;
 * - a corrupt, unreadable or vanished file on reload keeps the last good state and is reported
 *   through onError; a write refuses to overwrite a corrupt file.
 */
export class FileTokenRegistry extends LocalTokenRegistry {
  readonly path: string;
  private readonly file: WatchedJsonFile<RegisteredToken, TokenStoreError>;

  private constructor(options: FileTokenRegistryOptions) {
    super(options.clock);
    this.file = new WatchedJsonFile<RegisteredToken, TokenStoreError>({
      ...options, // path, watch, pollIntervalMs, lockTimeoutMs, staleLockMs
      fileMode: 0o644, // public token metadata: other local tools may read it
      directoryMode: 0o755,
      parse: parseTokenFile,
      serialize: (table) => serializeTokenFile(table.values()),
      createError: (reason, detail, errorOptions) => new TokenStoreError(reason, detail, errorOptions),
      isError: (error): error is TokenStoreError => error instanceof TokenStoreError,
      rowsName: 'tokens',
      writerCommand: 'mdg tokens',
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
   * @throws TokenStoreError `corrupt` or `io` when the file exists but cannot be used.
   */
  static async open(options: FileTokenRegistryOptions): Promise<FileTokenRegistry> {
    const store = new FileTokenRegistry(options);
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

  protected transact<T>(mutation: (table: TokenTable) => TokenMutation<T>): Promise<T> {
    return this.file.transact(mutation);
  }
}

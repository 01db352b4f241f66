import { randomBytes } from 'node:crypto';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KeyStoreError, type Clock } from '@mdg/model';
import { parseKeyFile, serializeKeyFile } from './key-file-format';
import type { ApiKeyRecord } from './key-store';
import { LocalKeyStore, type KeyMutation, type KeyTable } from './local-key-store';

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

type ReadOutcome = { kind: 'table'; table: Map<string, ApiKeyRecord> } | { kind: 'missing' };

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
  private readonly lockPath: string;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  private readonly pollIntervalMs: number;
  private watching = false;
  private tail: Promise<void> = Promise.resolve();
  private readonly onStat = (): void => {
    void this.reload();
  };

  private constructor(options: FileKeyStoreOptions) {
    super(options.clock);
    this.path = path.resolve(options.path);
    this.lockPath = `${this.path}.lock`;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 15_000;
    this.staleLockMs = options.staleLockMs ?? 10_000;
    if (!Number.isInteger(this.pollIntervalMs) || this.pollIntervalMs < 10 || this.pollIntervalMs > 1000) {
      throw new KeyStoreError('invalid-argument', `pollIntervalMs must be an integer 10..1000, got ${this.pollIntervalMs}`);
    }
  }

  /**
   * Loads the file (missing → empty store) and starts watching it.
   * @throws KeyStoreError `corrupt` or `io` when the file exists but cannot be used.
   */
  static async open(options: FileKeyStoreOptions): Promise<FileKeyStore> {
    const store = new FileKeyStore(options);
    const outcome = await store.readTable();
    if (outcome.kind === 'table') store.adopt(outcome.table);
    if (options.watch ?? true) store.startWatching();
    return store;
  }

  /** Re-reads the file now (the poller calls this on every change). Never rejects: failures go to onError. */
  reload(): Promise<void> {
    return this.enqueue(async () => {
      if (this.closed) return;
      let outcome: ReadOutcome;
      try {
        outcome = await this.readTable();
      } catch (error) {
        this.reportError(error instanceof KeyStoreError ? error : new KeyStoreError('io', `cannot reload ${this.path}: ${String(error)}`, { cause: error }));
        return;
      }
      if (outcome.kind === 'missing') {
        if (this.current.size > 0) this.reportError(new KeyStoreError('io', `${this.path} disappeared; keeping the last good keys until the next write recreates it`));
        return;
      }
      this.adopt(outcome.table);
    });
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    await super.close();
    if (this.watching) unwatchFile(this.path, this.onStat);
    this.watching = false;
    await this.tail;
  }

  protected transact<T>(mutation: (table: KeyTable) => KeyMutation<T>): Promise<T> {
    return this.enqueue(() =>
      this.withLock(async () => {
        this.assertOpen();
        const outcome = await this.readTable();
        // A vanished file is rebuilt from the last good state rather than silently emptied.
        const fresh: KeyTable = outcome.kind === 'table' ? outcome.table : this.current;
        if (outcome.kind === 'table') this.adopt(fresh);
        const { result, next } = mutation(fresh);
        if (next) {
          await this.writeTable(next);
          this.adopt(next);
        } else if (outcome.kind === 'missing' && fresh.size > 0) {
          await this.writeTable(fresh);
        }
        return result;
      }),
    );
  }

  private startWatching(): void {
    // persistent: false: a key store alone never keeps the process alive.
    watchFile(this.path, { interval: this.pollIntervalMs, persistent: false }, this.onStat);
    this.watching = true;
  }

  /** Runs `task` after every earlier reload/transaction of this instance. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.then(
      () => undefined,
      () => undefined, // the failure is delivered to the caller through `run`
    );
    return run;
  }

  private async readTable(): Promise<ReadOutcome> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return { kind: 'missing' };
      throw new KeyStoreError('io', `cannot read ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    return { kind: 'table', table: parseKeyFile(text, this.path) };
  }

  private async writeTable(table: KeyTable): Promise<void> {
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(serializeKeyFile(table.values()), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(temp, 0o600); // exact mode whatever the umask
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw new KeyStoreError('io', `cannot write ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Cross-process mutual exclusion for read-modify-write: an O_EXCL lock file next to the keys file. */
  private async withLock<T>(task: () => Promise<T>): Promise<T> {
    try {
      await mkdir(path.dirname(this.path), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new KeyStoreError('io', `cannot create the directory of ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      if (await this.tryLock()) break;
      if (Date.now() >= deadline) throw new KeyStoreError('locked', `${this.lockPath} is held by another writer; remove it if no mdg keys command is running`);
      await delay(20);
    }
    try {
      return await task();
    } finally {
      await rm(this.lockPath, { force: true });
    }
  }

  private async tryLock(): Promise<boolean> {
    try {
      const handle = await open(this.lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw new KeyStoreError('io', `cannot create ${this.lockPath}: ${(error as Error).message}`, { cause: error });
    }
    let lockStats: Stats;
    try {
      lockStats = await stat(this.lockPath);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false; // released meanwhile: retry at once
      throw new KeyStoreError('io', `cannot inspect ${this.lockPath}: ${(error as Error).message}`, { cause: error });
    }
    if (Date.now() - lockStats.mtimeMs > this.staleLockMs) await rm(this.lockPath, { force: true });
    return false;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}


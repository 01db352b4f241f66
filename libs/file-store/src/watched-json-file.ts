import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { errorCode } from './error-code';

/** The failures this file raises itself; parse errors (e.g. `corrupt`) come from the injected parser. */
export type WatchedJsonFileErrorReason = 'io' | 'locked' | 'invalid-argument';

/** A pure change of the table: the value to return, and the next table when something changed. */
export interface WatchedJsonFileMutation<Row, T> {
  result: T;
  next?: Map<string, Row>;
}

/** How the owning store plugs in: its table, its error type and its lifecycle. */
export interface WatchedJsonFileOwner<Row, E extends Error> {
  /** The owner's last good table: kept when the file vanishes, written back by the next write. */
  current(): ReadonlyMap<string, Row>;
  /** Makes `table` the owner's state (the owner diffs it and fires its change events). */
  adopt(table: ReadonlyMap<string, Row>): void;
  /** Background (reload) failures: reload never rejects. */
  reportError(error: E): void;
  /** A closed owner ignores reloads. */
  isClosed(): boolean;
  /** Throws the owner's `closed` error; checked under the lock before every write. */
  assertOpen(): void;
}

export interface WatchedJsonFileOptions<Row, E extends Error> {
  /** The JSON file; resolved to an absolute path. */
  path: string;
  /** Mode of the file and of the lock file (exact, whatever the umask). */
  fileMode: number;
  /** Mode of parent directories created on the first write. */
  directoryMode: number;
  /** Poll the file and reload on external changes. Default true; one-shot tools turn it off. */
  watch?: boolean;
  /** Stat polling period, 10..1000 ms. Default 500: an external change is seen within about a second. */
  pollIntervalMs?: number;
  /** How long a write waits for another writer's lock before failing. Default 15000 ms. */
  lockTimeoutMs?: number;
  /** A lock file older than this was left by a dead writer (writes take milliseconds) and is broken. Default 10000 ms. */
  staleLockMs?: number;
  /** Parses the whole file; throws the owner's error (typically `corrupt`) on bad content. */
  parse(text: string, path: string): Map<string, Row>;
  serialize(table: ReadonlyMap<string, Row>): string;
  /** Builds the owner's error type, so callers keep seeing KeyStoreError, TokenStoreError, ... */
  createError(reason: WatchedJsonFileErrorReason, detail: string, options?: { cause?: unknown }): E;
  /** Recognizes the owner's error type, so parse errors are reported as they are rather than wrapped. */
  isError(error: unknown): error is E;
  /** Plural noun of the rows in messages, e.g. `keys`. */
  rowsName: string;
  /** The command an operator may have left running, named in lock timeout messages, e.g. `mdg keys`. */
  writerCommand: string;
  owner: WatchedJsonFileOwner<Row, E>;
}

type ReadOutcome<Row> = { kind: 'table'; table: Map<string, Row> } | { kind: 'missing' };

/**
 * A table of rows kept in one JSON file shared by several processes (a server and a CLI).
 * Composed into stores rather than inherited, because each store already extends its own
 * in-memory base class.
 * - Writes: re-read the file under a lock file (`<path>.lock`), apply the change, write a temp
 *   file (fsynced, exact mode) and rename it over the original, so readers never see half a file
 *   and concurrent writers never lose each other's changes.
 * - External changes: the file is stat-polled (fs.watch misses rename-replace) against the
 *   stat taken before the last read, and reloaded into the owner when it differs. Not
 *   fs.watchFile: its baseline is its own first, asynchronous stat, so a change landing between
 *   open()'s read and that stat was never seen (a flaky spec showed it on a loaded machine).
 * - A corrupt, unreadable or vanished file on reload keeps the last good state and is
 *   reported through the owner; a write refuses to overwrite a corrupt file.
 */
export class WatchedJsonFile<Row, E extends Error> {
  readonly path: string;
  private readonly lockPath: string;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  private readonly pollIntervalMs: number;
  private readonly owner: WatchedJsonFileOwner<Row, E>;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  /** The file's stat signature taken just before the last read: a poll that sees another one reloads. */
  private lastSeen: string | undefined;
  private tail: Promise<void> = Promise.resolve();

  /** @throws the owner's error `invalid-argument` when pollIntervalMs is out of range. */
  constructor(private readonly options: WatchedJsonFileOptions<Row, E>) {
    this.path = path.resolve(options.path);
    this.lockPath = `${this.path}.lock`;
    this.owner = options.owner;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 15_000;
    this.staleLockMs = options.staleLockMs ?? 10_000;
    if (!Number.isInteger(this.pollIntervalMs) || this.pollIntervalMs < 10 || this.pollIntervalMs > 1000) {
      throw options.createError('invalid-argument', `pollIntervalMs must be an integer 10..1000, got ${this.pollIntervalMs}`);
    }
  }

  /**
   * Loads the file into the owner (missing → nothing adopted) and starts watching it unless `watch` is false.
   * @throws the owner's error (`corrupt` from the parser, or `io`) when the file exists but cannot be used.
   */
  async open(): Promise<void> {
    this.lastSeen = await this.statSignature();
    const outcome = await this.readTable();
    if (outcome.kind === 'table') this.owner.adopt(outcome.table);
    if (this.options.watch ?? true) this.startWatching();
  }

  /** Re-reads the file now (the poller calls this on every change). Never rejects: failures go to the owner. */
  reload(): Promise<void> {
    return this.enqueue(async () => {
      if (this.owner.isClosed()) return;
      let outcome: ReadOutcome<Row>;
      try {
        outcome = await this.readTable();
      } catch (error) {
        this.owner.reportError(
          this.options.isError(error) ? error : this.options.createError('io', `cannot reload ${this.path}: ${String(error)}`, { cause: error }),
        );
        return;
      }
      if (outcome.kind === 'missing') {
        if (this.owner.current().size > 0) {
          this.owner.reportError(
            this.options.createError('io', `${this.path} disappeared; keeping the last good ${this.options.rowsName} until the next write recreates it`),
          );
        }
        return;
      }
      this.owner.adopt(outcome.table);
    });
  }

  /** Stops polling and waits for the reload or write in progress. Call after the owner is marked closed. */
  async close(): Promise<void> {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    await this.tail;
  }

  /** Applies `mutation` to the freshest file content under the lock, writes the result, and adopts it. */
  transact<T>(mutation: (table: ReadonlyMap<string, Row>) => WatchedJsonFileMutation<Row, T>): Promise<T> {
    return this.enqueue(() =>
      this.withLock(async () => {
        this.owner.assertOpen();
        const outcome = await this.readTable();
        // A vanished file is rebuilt from the last good state rather than silently emptied.
        const fresh: ReadonlyMap<string, Row> = outcome.kind === 'table' ? outcome.table : this.owner.current();
        if (outcome.kind === 'table') this.owner.adopt(fresh);
        const { result, next } = mutation(fresh);
        if (next) {
          await this.writeTable(next);
          this.owner.adopt(next);
        } else if (outcome.kind === 'missing' && fresh.size > 0) {
          await this.writeTable(fresh);
        }
        return result;
      }),
    );
  }

  private startWatching(): void {
    this.pollTimer = setInterval(() => void this.poll(), this.pollIntervalMs);
    // A store alone never keeps the process alive.
    this.pollTimer.unref();
  }

  /** One poll: reload when the file's stat differs from the one taken before the last read. */
  private async poll(): Promise<void> {
    if (this.polling || this.pollTimer === undefined) return;
    this.polling = true;
    try {
      const signature = await this.statSignature();
      if (signature === this.lastSeen || this.pollTimer === undefined) return;
      this.lastSeen = signature;
      await this.reload();
    } finally {
      this.polling = false;
    }
  }

  /** Identity, size and times of the file ('missing' when it is not there): any write or rename-replace changes it. */
  private async statSignature(): Promise<string> {
    try {
      const stats = await stat(this.path, { bigint: true });
      return `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
    } catch (error) {
      return `unreadable:${errorCode(error) ?? 'unknown'}`;
    }
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

  private async readTable(): Promise<ReadOutcome<Row>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return { kind: 'missing' };
      throw this.options.createError('io', `cannot read ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    return { kind: 'table', table: this.options.parse(text, this.path) };
  }

  private async writeTable(table: ReadonlyMap<string, Row>): Promise<void> {
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, 'wx', this.options.fileMode);
      try {
        await handle.writeFile(this.options.serialize(table), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(temp, this.options.fileMode); // exact mode whatever the umask
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw this.options.createError('io', `cannot write ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Cross-process mutual exclusion for read-modify-write: an O_EXCL lock file next to the data file. */
  private async withLock<T>(task: () => Promise<T>): Promise<T> {
    try {
      await mkdir(path.dirname(this.path), { recursive: true, mode: this.options.directoryMode });
    } catch (error) {
      throw this.options.createError('io', `cannot create the directory of ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      if (await this.tryLock()) break;
      if (Date.now() >= deadline) {
        throw this.options.createError(
          'locked',
          `${this.lockPath} is held by another writer; remove it if no ${this.options.writerCommand} command is running`,
        );
      }
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
      const handle = await open(this.lockPath, 'wx', this.options.fileMode);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return true;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw this.options.createError('io', `cannot create ${this.lockPath}: ${(error as Error).message}`, { cause: error });
    }
    let lockStats: Stats;
    try {
      lockStats = await stat(this.lockPath);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false; // released meanwhile: retry at once
      throw this.options.createError('io', `cannot inspect ${this.lockPath}: ${(error as Error).message}`, { cause: error });
    }
    if (Date.now() - lockStats.mtimeMs > this.staleLockMs) await rm(this.lockPath, { force: true });
    return false;
  }
}

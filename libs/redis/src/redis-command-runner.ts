import type { Redis } from 'ioredis';

/**
 * Runs commands on one ioredis client that has no offline queue and no resending, so that a
 * caller always learns the fate of a command: it fails as soon as the connection closes
 * (ioredis, without resending, silently drops the commands in flight on a lost connection) or
 * when no answer came within `commandTimeoutMs`, and a connection that stopped answering is
 * replaced. Waits (for the connection, or a retry pause) can be cut short by interrupt().
 */
export class RedisCommandRunner {
  /** Rejecters of the commands in flight, failed at once when the connection closes. */
  private readonly inFlight = new Set<(error: Error) => void>();
  private wake: (() => void) | undefined;

  constructor(
    private readonly client: Redis,
    private readonly commandTimeoutMs: number,
    /** How long untilReady waits for a (re)connection before failing. */
    private readonly connectWaitMs: number,
  ) {
    this.client.on('close', () => {
      for (const abort of [...this.inFlight]) abort(new Error('the connection to Redis closed with a command in flight'));
    });
  }

  /**
   * Runs one command; `waitMs` is the time it blocks by design (XREADGROUP BLOCK), on top of
   * the timeout. A dropped command's own late settlement is absorbed here.
   */
  send<T>(command: () => Promise<T>, waitMs = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.inFlight.delete(abort);
      };
      const abort = (error: Error): void => {
        finish();
        reject(error);
      };
      const timer = setTimeout(() => {
        abort(new Error(`Redis did not answer within ${this.commandTimeoutMs + waitMs} ms`));
        this.client.disconnect(true);
      }, this.commandTimeoutMs + waitMs);
      this.inFlight.add(abort);
      command().then(
        (value) => {
          finish();
          resolve(value);
        },
        (error: unknown) => abort(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  /**
   * Waits for the connection (commands fail at once while it is down: no offline queue) up to
   * the time a reconnect normally takes, so a start or a short blip is not reported as an
   * outage. Returns false when interrupted, throws when the connection is still down.
   */
  async untilReady(): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    let interrupted = false;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.client.off('ready', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.connectWaitMs);
      this.client.once('ready', done);
      this.wake = () => {
        interrupted = true;
        done();
      };
    });
    if (interrupted) return false;
    // Re-read: the status changed while waiting (TypeScript narrowed it before the await).
    const status: string = this.client.status;
    if (status !== 'ready') throw new Error(`not connected to Redis (connection ${status})`);
    return true;
  }

  /** A retry wait that interrupt() cuts short. */
  pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Ends the current untilReady or pause at once (a stop). */
  interrupt(): void {
    this.wake?.();
  }
}

import { InvalidConfigError, ServiceUnavailableError, systemScheduler, type Scheduler } from '@mdg/model';
import type { EngineLease } from './engine-lease';

export interface EngineOwnershipOptions {
  lease: EngineLease;
  /** How often the owner renews; must be below the lease TTL (a third of it is a good choice). */
  renewIntervalMs: number;
  /** How often a standby tries to acquire, and the pause after a demotion. Bounds failover at TTL + this. */
  retryIntervalMs: number;
  /**
   * This engine became the owner with `epoch`: restore state, start feeds and publishing. The
   * lease is renewed meanwhile. A rejection is reported through onError and treated as a
   * failed promotion: onDemoted('lost') follows, the lease is released and the standby loop resumes.
   */
  onPromoted(epoch: number): Promise<void>;
  /**
   * This engine is no longer (or is about to stop being) the owner: stop publishing.
   * - `lost`: the lease is gone (a renew was refused, or no renew succeeded within the TTL);
   *   another engine may already own it, so nothing may be written under the old epoch.
   * - `stopped`: stop() was called; the lease is still held and renewed until this resolves,
   *   so a final save with the current epoch still succeeds; it is released afterwards.
   */
  onDemoted(reason: 'lost' | 'stopped'): Promise<void>;
  /** Failed lease calls and rejected callbacks. Default: a process warning. */
  onError?(error: Error): void;
  /**
   * Monotonic time and timers for renewing, the expiry watchdog, call timeouts and the standby
   * pause. Default: the system scheduler (performance.now, setTimeout); specs pass a ManualScheduler.
   */
  scheduler?: Scheduler;
}

type Outcome = 'lost' | 'stopped';

/**
 * The standby/owner loop of an engine process. Standby: tryAcquire every retryIntervalMs.
 * Owner: onPromoted(epoch), then renew every renewIntervalMs; a refused renew, or no successful
 * renew within the lease TTL (counted from when the last successful renew was sent: Redis
 * unreachable, calls hanging), means the lease is lost: onDemoted('lost'), then standby again.
 * stop() demotes with 'stopped' and then releases the lease, so a standby takes over at once.
 *
 * Callbacks never overlap, and onPromoted and onDemoted strictly alternate, starting with
 * onPromoted (never two onPromoted without an onDemoted between).
 */
export class EngineOwnership {
  private readonly lease: EngineLease;
  private readonly renewIntervalMs: number;
  private readonly retryIntervalMs: number;
  private readonly scheduler: Scheduler;
  private loop: Promise<void> | undefined;
  private stopRequested = false;
  private readonly stopSignal: Promise<'stopped'>;
  private signalStop!: () => void;
  /** Cancels the standby loop's current pause. */
  private wake: (() => void) | undefined;
  private owner = false;
  private ownedEpoch: number | undefined;
  // Renewal state while owner: cancel functions of the pending timers.
  private cancelRenew: (() => void) | undefined;
  private cancelExpiry: (() => void) | undefined;
  /** Monotonic time (the scheduler's) until which the lease is surely still held. */
  private validUntil = 0;
  private signalLost: (() => void) | undefined;

  constructor(private readonly options: EngineOwnershipOptions) {
    this.lease = options.lease;
    this.renewIntervalMs = options.renewIntervalMs;
    this.retryIntervalMs = options.retryIntervalMs;
    this.scheduler = options.scheduler ?? systemScheduler;
    const problems: string[] = [];
    if (!Number.isInteger(this.lease.ttlMs) || this.lease.ttlMs < 2)
      problems.push(`the lease's ttlMs must be an integer of at least 2, got ${this.lease.ttlMs}`);
    if (!Number.isInteger(this.renewIntervalMs) || this.renewIntervalMs < 1 || this.renewIntervalMs >= this.lease.ttlMs) {
      problems.push(`renewIntervalMs must be an integer 1..ttlMs-1 (ttlMs ${this.lease.ttlMs}), got ${this.renewIntervalMs}`);
    }
    if (!Number.isInteger(this.retryIntervalMs) || this.retryIntervalMs < 1)
      problems.push(`retryIntervalMs must be a positive integer, got ${this.retryIntervalMs}`);
    if (problems.length > 0) throw new InvalidConfigError(problems.map((problem) => `EngineOwnership: ${problem}`));
    this.stopSignal = new Promise<'stopped'>((resolve) => {
      this.signalStop = () => resolve('stopped');
    });
  }

  /** Starts the standby loop (the first acquire attempt happens at once). Call once. */
  start(): void {
    if (this.loop !== undefined || this.stopRequested) throw new Error('EngineOwnership can only be started once');
    this.loop = this.run();
  }

  /**
   * Stops the loop. When owner: waits for a running onPromoted, calls onDemoted('stopped')
   * (still renewing), then releases the lease. Resolves when all of that is done. Idempotent.
   */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.signalStop();
    this.wake?.();
    await this.loop;
  }

  /** Whether this engine holds the lease (from just before onPromoted until a loss is noticed or stop() released it). */
  isOwner(): boolean {
    return this.owner;
  }

  /** The epoch of the held lease; undefined while standby. */
  epoch(): number | undefined {
    return this.ownedEpoch;
  }

  private async run(): Promise<void> {
    while (!this.stopRequested) {
      const sentAt = this.scheduler.now();
      const epoch = await this.acquire();
      if (epoch === undefined) {
        await this.pause(this.retryIntervalMs);
        continue;
      }
      if (this.stopRequested) {
        // Acquired while stopping: give it back without ever promoting.
        await this.releaseLease();
        return;
      }
      const outcome = await this.serve(epoch, sentAt);
      if (outcome === 'stopped') return;
      await this.pause(this.retryIntervalMs);
    }
  }

  private async acquire(): Promise<number | undefined> {
    try {
      return await this.bounded(() => this.lease.tryAcquire(), this.lease.ttlMs, 'tryAcquire');
    } catch (error) {
      this.report(error, 'acquiring the engine lease failed');
      return undefined;
    }
  }

  /** One term as owner, from promotion to demotion. */
  private async serve(epoch: number, acquireSentAt: number): Promise<Outcome> {
    this.owner = true;
    this.ownedEpoch = epoch;
    const lost = this.keepRenewing(acquireSentAt);
    try {
      await this.options.onPromoted(epoch);
    } catch (error) {
      this.report(error, `onPromoted(${epoch}) failed; giving the lease up`);
      this.stopRenewing();
      this.resign();
      await this.demote('lost');
      await this.releaseLease();
      return 'lost';
    }
    const outcome = await Promise.race([lost, this.stopSignal]);
    if (outcome === 'lost') {
      this.resign();
      await this.demote('lost');
      // No successful renew within the TTL does not prove someone else took it (Redis may be
      // unreachable): give it up explicitly (the lease checks the epoch, so this never frees a successor's).
      await this.releaseLease();
      return 'lost';
    }
    // Stopping: keep renewing while the application flushes its last state under this epoch.
    await this.demote('stopped');
    // Unless a renew was refused or the TTL ran out meanwhile.
    const stillHeld = this.signalLost !== undefined;
    this.stopRenewing();
    this.resign();
    if (stillHeld) await this.releaseLease();
    return 'stopped';
  }

  /** Starts the renew timer and the expiry watchdog; the promise resolves when the lease is lost. */
  private keepRenewing(acquireSentAt: number): Promise<'lost'> {
    this.validUntil = acquireSentAt + this.lease.ttlMs;
    const lost = new Promise<'lost'>((resolve) => {
      this.signalLost = () => resolve('lost');
    });
    this.armExpiry();
    this.scheduleRenew();
    return lost;
  }

  private scheduleRenew(): void {
    this.cancelRenew = this.scheduler.after(this.renewIntervalMs, () => void this.renewOnce());
  }

  private async renewOnce(): Promise<void> {
    this.cancelRenew = undefined;
    const signalLost = this.signalLost;
    if (signalLost === undefined) return;
    const sentAt = this.scheduler.now();
    let renewed: boolean;
    try {
      renewed = await this.bounded(() => this.lease.renew(), this.renewIntervalMs, 'renew');
    } catch (error) {
      if (this.signalLost !== signalLost) return;
      this.report(error, `renewing the engine lease failed; it is held for at most ${Math.max(0, Math.round(this.validUntil - this.scheduler.now()))} ms more`);
      this.scheduleRenew();
      return;
    }
    // Stopped renewing (or a new term began) while the call ran: its answer no longer matters.
    if (this.signalLost !== signalLost) return;
    if (!renewed) {
      this.loseLease();
      return;
    }
    this.validUntil = Math.max(this.validUntil, sentAt + this.lease.ttlMs);
    this.armExpiry();
    this.scheduleRenew();
  }

  private armExpiry(): void {
    this.cancelExpiry?.();
    this.cancelExpiry = this.scheduler.after(Math.max(0, this.validUntil - this.scheduler.now()), () => this.loseLease());
  }

  private loseLease(): void {
    const signalLost = this.signalLost;
    this.stopRenewing();
    signalLost?.();
  }

  private stopRenewing(): void {
    this.signalLost = undefined;
    this.cancelRenew?.();
    this.cancelExpiry?.();
    this.cancelRenew = undefined;
    this.cancelExpiry = undefined;
  }

  private resign(): void {
    this.owner = false;
    this.ownedEpoch = undefined;
  }

  private async demote(reason: Outcome): Promise<void> {
    try {
      await this.options.onDemoted(reason);
    } catch (error) {
      this.report(error, `onDemoted('${reason}') failed`);
    }
  }

  private async releaseLease(): Promise<void> {
    try {
      await this.bounded(() => this.lease.release(), this.lease.ttlMs, 'release');
    } catch (error) {
      this.report(error, `releasing the engine lease failed; it expires within ${this.lease.ttlMs} ms`);
    }
  }

  /**
   * A lease call that gives up after `ms` (a hung backend must neither block stop() nor stall
   * renewing). A late answer is ignored: an acquire that lands after all expires unrenewed.
   */
  private bounded<T>(call: () => Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = this.scheduler.after(ms, () => reject(new ServiceUnavailableError('engine lease', `${what} did not answer within ${ms} ms`)));
      Promise.resolve()
        .then(call)
        .then(
          (value) => {
            settle();
            resolve(value);
          },
          (error: unknown) => {
            settle();
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes the lease call's own rejection on unchanged
            reject(error);
          },
        );
    });
  }

  /** Waits `ms`, or less when stop() is called. */
  private pause(ms: number): Promise<void> {
    if (this.stopRequested) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        cancel();
        this.wake = undefined;
        resolve();
      };
      const cancel = this.scheduler.after(ms, done);
      this.wake = done;
    });
  }

  private report(error: unknown, context: string): void {
    const reported = error instanceof Error ? error : new Error(`${context}: ${String(error)}`);
    if (this.options.onError === undefined) {
      process.emitWarning(`${context}: ${reported.message}`, 'EngineOwnership');
      return;
    }
    try {
      this.options.onError(reported);
    } catch (listenerError) {
      process.emitWarning(`onError threw while reporting "${context}: ${reported.message}": ${String(listenerError)}`, 'EngineOwnership');
    }
  }
}

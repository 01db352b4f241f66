import { ServiceUnavailableError } from '@mdg/model';
import type { EngineLease } from '../engine-lease';

/** A lease whose calls can be made to hang (a frozen or killed process), fail (Redis down) or be refused. */
export class FaultyEngineLease implements EngineLease {
  mode: 'ok' | 'hang' | 'reject' | 'refuse-renew' = 'ok';
  calls = 0;
  /** When set, tryAcquire waits for it first (a slow round trip). */
  gate: Promise<void> | undefined;

  constructor(private readonly inner: EngineLease) {}

  get ownerId(): string {
    return this.inner.ownerId;
  }

  get ttlMs(): number {
    return this.inner.ttlMs;
  }

  async tryAcquire(): Promise<number | undefined> {
    await this.gate;
    return this.fault() ?? this.inner.tryAcquire();
  }

  renew(): Promise<boolean> {
    if (this.mode === 'refuse-renew') return Promise.resolve(false);
    return this.fault() ?? this.inner.renew();
  }

  release(): Promise<void> {
    return this.fault() ?? this.inner.release();
  }

  current(): Promise<{ ownerId: string; epoch: number } | undefined> {
    return this.inner.current();
  }

  private fault(): Promise<never> | undefined {
    this.calls += 1;
    if (this.mode === 'hang') return new Promise<never>(() => undefined);
    if (this.mode === 'reject') return Promise.reject(new ServiceUnavailableError('redis', 'connection refused'));
    return undefined;
  }
}

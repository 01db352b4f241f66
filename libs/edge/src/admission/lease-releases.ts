import type { ConnectionLease, ConnectionRegistry } from '@mdg/auth';

/** Slot releases in flight, so a shutdown can wait until every slot is given back. */
export class LeaseReleases {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly connections: ConnectionRegistry,
    private readonly reportError: (error: Error) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Starts the release; a failure is reported (the lease then expires by its TTL), never thrown. */
  release(lease: ConnectionLease): void {
    const release: Promise<void> = this.connections
      .release(lease)
      .catch((error: unknown) => this.reportError(withContext(`could not release connection slot ${lease.leaseId}`, error)))
      .finally(() => this.pending.delete(release));
    this.pending.add(release);
  }

  /** Resolves once every release started so far, and any started meanwhile, has settled. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}

/** The failure with what we were doing when it happened; the original stays reachable as `cause`. */
export function withContext(context: string, error: unknown): Error {
  return new Error(`${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

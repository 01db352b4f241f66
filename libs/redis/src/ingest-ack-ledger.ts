/**
 * The ingest entries whose trades the engine applied but no saved checkpoint holds yet.
 *
 * Shared by RedisStreamTradeFeed (records each applied entry instead of acknowledging it) and
 * RedisEngineStateStore (takes them at the moment the checkpoint state is captured and, in the
 * same Lua script as the checkpoint, acknowledges the entries and sets their duplicate guards,
 * fenced by the lease epoch). So an entry is acknowledged exactly when a stored checkpoint
 * holds its trade: a kill -9 loses no acknowledged trade, and an unacknowledged one is applied
 * by the next owner, which never saw it (its state is the stored checkpoint).
 *
 * While saves fail, or too many entries wait, the feed stops reading (accepting() is false): an
 * owner whose Redis connection is reconnecting must not pile up applied-but-unsaved trades.
 */
export interface PendingAck {
  readonly id: string;
  /** The duplicate guard key to set (`<prefix>ingest:seen:<sha1>`), absent when guards are off. */
  readonly guard: string | undefined;
  readonly guardTtlMs: number;
}

/** One save's share of the ledger: what it acknowledges when it is written. */
export interface AckBatch {
  readonly stream: string;
  readonly group: string;
  readonly entries: readonly PendingAck[];
}

export class IngestAckLedger {
  private pending = new Map<string, PendingAck>();
  private target: { stream: string; group: string } | undefined;
  private failing = false;
  private waiters: (() => void)[] = [];

  /** `maxPending`: the feed pauses once this many applied entries wait for a checkpoint. */
  constructor(readonly maxPending = 5000) {}

  /** A new owner's feed starts: entries of an earlier term belong to whoever claimed them since. */
  reset(): void {
    this.pending.clear();
    this.failing = false;
    this.wake();
  }

  record(stream: string, group: string, entry: PendingAck): void {
    if (this.target !== undefined && (this.target.stream !== stream || this.target.group !== group)) {
      throw new Error(`IngestAckLedger serves one stream and group (${this.target.stream} ${this.target.group}), not ${stream} ${group}`);
    }
    this.target = { stream, group };
    this.pending.set(entry.id, entry);
  }

  /** Applied and waiting for a checkpoint: a redelivery of it must be neither applied nor acknowledged. */
  has(id: string): boolean {
    return this.pending.has(id);
  }

  size(): number {
    return this.pending.size;
  }

  /** Whether the feed may read more: the last save did not fail and the backlog is below maxPending. */
  accepting(): boolean {
    return !this.failing && this.pending.size < this.maxPending;
  }

  /** Resolves once accepting() (at once when it already is). */
  whenAccepting(): Promise<void> {
    if (this.accepting()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Everything recorded so far, removed from the ledger. Call it synchronously with capturing
   * the checkpoint state (trades are applied synchronously with record(), so the state then
   * holds exactly these), and hand the batch back with settle().
   */
  take(): AckBatch | undefined {
    if (this.target === undefined || this.pending.size === 0) return undefined;
    const batch = { ...this.target, entries: [...this.pending.values()] };
    this.pending.clear();
    return batch;
  }

  /**
   * `saved`: acknowledged with the checkpoint. `failed`: the save threw (nothing written): the
   * entries wait for the next save and reading pauses until one succeeds. `refused`: the epoch
   * was not the lease's; the entries wait (a renewed lease saves them next, a demotion resets).
   */
  settle(batch: AckBatch | undefined, outcome: 'saved' | 'failed' | 'refused'): void {
    if (outcome !== 'saved' && batch !== undefined) {
      const later = this.pending;
      this.pending = new Map(batch.entries.map((entry) => [entry.id, entry]));
      for (const [id, entry] of later) this.pending.set(id, entry);
    }
    this.failing = outcome === 'failed';
    this.wake();
  }

  private wake(): void {
    if (!this.accepting()) return;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}

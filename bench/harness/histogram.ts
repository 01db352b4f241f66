/**
 * The load generator's latency histograms: bucket i holds samples with ln(µs) in
 * [i/100, (i+1)/100), i.e. 1 % wide buckets; bucket 0 also holds everything ≤ 1 µs.
 */
export type SparseHistogram = [bucket: number, count: number][];

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  total = 0;

  add(sparse: SparseHistogram | undefined): void {
    for (const [bucket, count] of sparse ?? []) {
      this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + count);
      this.total += count;
    }
  }

  /** The q-quantile in ms (bucket mid-point, so ±0.5 %); NaN without samples. */
  quantileMs(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket)!;
      if (seen >= rank) return Math.exp((bucket + 0.5) / 100) / 1000;
    }
    return Number.NaN;
  }
}

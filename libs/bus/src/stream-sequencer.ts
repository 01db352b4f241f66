/** Hands out per-stream sequence numbers for one engine epoch: 1, 2, 3, ... per stream. */
export class StreamSequencer {
  private readonly last = new Map<string, number>();

  constructor(readonly epoch: number) {}

  next(stream: string): number {
    const seq = (this.last.get(stream) ?? 0) + 1;
    this.last.set(stream, seq);
    return seq;
  }

  /** The last seq handed out per stream (what a successor resumes from when the bus snapshots are gone). */
  positions(): { stream: string; seq: number }[] {
    return [...this.last].map(([stream, seq]) => ({ stream, seq }));
  }

  /** Continue a stream from a known seq (after a takeover the new owner resumes, never repeats). */
  resume(stream: string, lastSeq: number): void {
    if (lastSeq > (this.last.get(stream) ?? 0)) this.last.set(stream, lastSeq);
  }
}

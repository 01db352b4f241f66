/** Hands out per-stream sequence numbers for one engine epoch: 1, 2, 3, ... per stream. */
export class StreamSequencer {
  private readonly last = new Map<string, number>();

  constructor(readonly epoch: number) {}

  next(stream: string): number {
    const seq = (this.last.get(stream) ?? 0) + 1;
    this.last.set(stream, seq);
    return seq;
  }

  /** Continue a stream from a known seq (after a takeover the new owner resumes, never repeats). */
  resume(stream: string, lastSeq: number): void {
    if (lastSeq > (this.last.get(stream) ?? 0)) this.last.set(stream, lastSeq);
  }
}

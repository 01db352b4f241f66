/** Counters of a HistoryService (all since it was created). */
export interface HistoryServiceStats {
  /** History answers sent. */
  answers: number;
  /** Answers sent with `complete: false`. */
  incomplete: number;
  /** Final candles sent in history answers. */
  candles: number;
  /** Finals missing at the seam (the store was behind the live stream) recovered from the store. */
  recovered: number;
  /** Seams that could not be proven: the client was told (`gap`). */
  gaps: number;
  /** Store reads that failed or timed out. */
  storeFailures: number;
  /** Live updates dropped at the seam because the history already covered their bucket. */
  skipped: number;
  /** Seams in progress: querying, or waiting for their first live final. */
  open: number;
}

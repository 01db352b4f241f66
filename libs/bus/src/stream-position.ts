/**
 * A place in a stream. Envelopes order by epoch first (a takeover starts a higher one), then
 * by seq within an epoch; every receiver that fences, conflates or catches up compares the
 * same way, so the rule lives here once.
 */
export interface StreamPosition {
  readonly epoch: number;
  readonly seq: number;
}

/** True when `candidate` comes after `reference`: a later epoch, or a later seq in the same one. */
export function isAfter(candidate: StreamPosition, reference: StreamPosition): boolean {
  return candidate.epoch > reference.epoch || (candidate.epoch === reference.epoch && candidate.seq > reference.seq);
}

import type { InvalidFeedInputError, Trade, VenueRejectedError } from '@mdg/model';

/**
 * What one venue text frame means to the connection machinery. Decoders never throw:
 * anything unusable comes back as `malformed` (the whole frame) or in `rejected` (single
 * trades of an otherwise fine frame), to be counted and skipped.
 */
export type DecodedFrame =
  /** Validated trades, oldest first, plus the trades of the same frame that failed validation. */
  | { readonly kind: 'trades'; readonly trades: readonly Trade[]; readonly rejected: readonly InvalidFeedInputError[] }
  /** A venue keep-alive: proves the connection and the subscription are alive. */
  | { readonly kind: 'heartbeat' }
  /** A subscription acknowledgement or a similar control answer. */
  | { readonly kind: 'ack' }
  /** A well-formed message we do not use (venues add types; clients are expected to ignore them). */
  | { readonly kind: 'ignored' }
  /** The venue announced it is about to close this connection. */
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'venue-error'; readonly error: VenueRejectedError }
  | { readonly kind: 'malformed'; readonly error: InvalidFeedInputError };

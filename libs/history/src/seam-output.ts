import type { Candle } from '@mdg/model';

/**
 * What a history seam asks its subscriber's connection to send, in order:
 * - `history`: once, first: the stored finals (oldest first) and whether they are provably complete;
 * - `live`: a live update of the stream, to send as usual;
 * - `recovered`: a final the client would otherwise miss (published just before the subscription
 *   while the store was still behind), sent before the next live final;
 * - `gap`: the seam could not be proven: finals after `after` and before `before` (ms) may be
 *   missing; sent before the live final at `before`;
 * - `settled`: the seam is done; from now on the caller delivers live updates itself.
 */
export type SeamOutput<T> =
  | { readonly kind: 'history'; readonly candles: readonly Candle[]; readonly complete: boolean }
  | { readonly kind: 'live'; readonly item: T }
  | { readonly kind: 'recovered'; readonly candle: Candle }
  | { readonly kind: 'gap'; readonly after: number | undefined; readonly before: number }
  | { readonly kind: 'settled' };

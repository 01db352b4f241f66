import { InvalidConfigError, isSolanaAddress } from '@mdg/model';

/**
 * Whether, and how, an ingest path starts tracking an unknown token on its first trade
 * instead of refusing it with "Token not found or not tracked". Off unless configured.
 *
 * Indexers send trades, not token metadata, so every auto-tracked token gets the same
 * assumed quote and decimals (sizes are smallest units: wrong decimals scale volumes, never
 * prices) and its address's first 8 characters as display symbol. Register tokens whose
 * decimals differ explicitly (`tokens add`) — before their first trade.
 */
export interface AutoTrackPolicy {
  /** Quote mint assumed for auto-tracked tokens, e.g. wrapped SOL. */
  readonly quoteToken: string;
  /** Decimals assumed for auto-tracked tokens (6 for pump.fun-style tokens). */
  readonly decimals: number;
  /**
   * At most this many tokens are tracked automatically per process; later unknown ones are
   * refused (a runaway indexer must not grow every node's instrument list without bound). Default 10000.
   */
  readonly maxTokens?: number;
}

/** Validates a policy from config; throws InvalidConfigError listing every problem. Returns it frozen. */
export function checkAutoTrackPolicy(policy: AutoTrackPolicy): Readonly<Required<AutoTrackPolicy>> {
  const problems: string[] = [];
  if (typeof policy.quoteToken !== 'string' || !isSolanaAddress(policy.quoteToken))
    problems.push(`autoTrack.quoteToken must be a base58 Solana address, got ${JSON.stringify(policy.quoteToken)}`);
  if (!Number.isInteger(policy.decimals) || policy.decimals < 0 || policy.decimals > 18)
    problems.push(`autoTrack.decimals must be an integer 0..18, got ${policy.decimals}`);
  const maxTokens = policy.maxTokens ?? 10_000;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) problems.push(`autoTrack.maxTokens must be a positive integer, got ${maxTokens}`);
  if (problems.length > 0) throw new InvalidConfigError(problems);
  return Object.freeze({ quoteToken: policy.quoteToken, decimals: policy.decimals, maxTokens });
}

/** The display symbol of an auto-tracked token: the start of its address (not unique, never a key). */
export function autoTrackSymbol(tokenAddress: string): string {
  return tokenAddress.slice(0, 8);
}

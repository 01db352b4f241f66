import {
  InstrumentRegistry,
  InvalidTradeError,
  isSolanaAddress,
  systemClock,
  TokenNotTrackedError,
  UnknownInstrumentError,
  validateTrade,
  type Clock,
  type TokenDefinition,
  type Trade,
} from '@mdg/model';
import type { TokenRegistry } from '@mdg/tokens';
import { autoTrackSymbol, checkAutoTrackPolicy, type AutoTrackPolicy } from './auto-track-policy';

export interface IngestValidatorOptions {
  /** The node's instruments; auto-tracked tokens are registered in it. */
  registry: InstrumentRegistry;
  /** "Now" for the trade-time check. Default systemClock. */
  clock?: Clock;
  /** Track unknown tokens on their first valid trade. Default: off (they are refused). */
  autoTrack?: AutoTrackPolicy;
  /**
   * Where auto-tracked tokens are recorded (origin `auto`), so every node — edges serving
   * chart-live subscriptions included — and the next start track them too. Optional.
   */
  tokens?: TokenRegistry;
  /** A failure recording an auto-tracked token (it stays tracked on this node). Default: a process warning. */
  onError?: (error: Error) => void;
  /** See validateTrade. Default 5000 ms. */
  maxFutureSkewMs?: number;
}

export interface IngestValidatorStats {
  /** Tokens this validator started tracking. */
  autoTracked: number;
  /** Unknown tokens refused because the policy's maxTokens was reached. */
  autoTrackRefused: number;
}

/**
 * The boundary check of the token-trade ingest paths (Redis Stream, HTTP): validateTrade, with
 * an unknown instrument answered precisely — TokenNotTrackedError ("Token not found or not
 * tracked") for a Solana address, UnknownInstrumentError for anything else — or, when an
 * auto-track policy is set, a first valid trade of an unknown token registering it.
 * Everything else about the trade is validated before a token is registered, so a malformed
 * trade never tracks anything.
 */
export class IngestValidator {
  private readonly registry: InstrumentRegistry;
  private readonly clock: Clock;
  private readonly autoTrack: Readonly<Required<AutoTrackPolicy>> | undefined;
  private readonly tokens: TokenRegistry | undefined;
  private readonly onError: (error: Error) => void;
  private readonly maxFutureSkewMs: number | undefined;
  private readonly counters: IngestValidatorStats = { autoTracked: 0, autoTrackRefused: 0 };

  constructor(options: IngestValidatorOptions) {
    this.registry = options.registry;
    this.clock = options.clock ?? systemClock;
    this.autoTrack = options.autoTrack ? checkAutoTrackPolicy(options.autoTrack) : undefined;
    this.tokens = options.tokens;
    this.onError = options.onError ?? ((error) => process.emitWarning(error.message, { type: error.name }));
    this.maxFutureSkewMs = options.maxFutureSkewMs;
  }

  /** A frozen, valid Trade; throws InvalidTradeError, TokenNotTrackedError or UnknownInstrumentError. */
  validate(input: unknown): Trade {
    const now = this.clock.now();
    const instrument = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>)['instrument'] : undefined;
    if (typeof instrument !== 'string' || this.registry.find(instrument) !== undefined) {
      return validateTrade(input, this.registry, now, { maxFutureSkewMs: this.maxFutureSkewMs });
    }
    if (!isSolanaAddress(instrument)) throw new UnknownInstrumentError(instrument.slice(0, 64));
    if (this.autoTrack === undefined) throw new TokenNotTrackedError(instrument);
    if (this.counters.autoTracked >= this.autoTrack.maxTokens) {
      this.counters.autoTrackRefused += 1;
      throw new TokenNotTrackedError(instrument, `auto-track limit of ${this.autoTrack.maxTokens} tokens reached`);
    }
    const definition: TokenDefinition = {
      tokenAddress: instrument,
      quoteToken: this.autoTrack.quoteToken,
      decimals: this.autoTrack.decimals,
      symbol: autoTrackSymbol(instrument),
    };
    // Validated against a throwaway registry holding the candidate, so a bad trade tracks nothing.
    const trade = validateTrade(input, new InstrumentRegistry([definition]), now, { maxFutureSkewMs: this.maxFutureSkewMs });
    this.registry.registerToken(definition);
    this.counters.autoTracked += 1;
    this.tokens?.add(definition, 'auto').catch((error: unknown) => this.onError(error instanceof Error ? error : new Error(String(error))));
    return trade;
  }

  stats(): IngestValidatorStats {
    return { ...this.counters };
  }
}

/** Whether `error` is one of the refusals validate() throws for bad input (as opposed to a bug). */
export function isTradeRefusal(error: unknown): error is InvalidTradeError | TokenNotTrackedError | UnknownInstrumentError {
  return error instanceof InvalidTradeError || error instanceof TokenNotTrackedError || error instanceof UnknownInstrumentError;
}

import { InvalidConfigError } from '@mdg/model';

export interface ReconnectBackoffOptions {
  /** Delay before the first retry. Default 500 ms. */
  initialDelayMs?: number;
  /** Ceiling of the delay. Default 30 000 ms. */
  maxDelayMs?: number;
  /** Growth per failed attempt. Default 2. */
  multiplier?: number;
  /**
   * Fraction of the delay that is randomized away, 0..1: the delay is drawn from
   * [base × (1 − jitter), base], so a fleet that lost a venue at once does not come back in
   * lock-step (Binance allows 300 connection attempts per 5 minutes per IP). Default 0.5.
   */
  jitter?: number;
}

/**
 * Exponential backoff with jitter. `attempt` counts consecutive failures since the last
 * connection that delivered data; the caller resets it (`reset()`) on such a delivery.
 */
export class ReconnectBackoff {
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private failures = 0;

  constructor(
    options: ReconnectBackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.5;
    const problems = ReconnectBackoff.validate(options);
    if (problems.length > 0) throw new InvalidConfigError(problems);
  }

  static validate(options: ReconnectBackoffOptions): string[] {
    const problems: string[] = [];
    const { initialDelayMs = 500, maxDelayMs = 30_000, multiplier = 2, jitter = 0.5 } = options;
    if (!Number.isFinite(initialDelayMs) || initialDelayMs < 0) problems.push(`backoff.initialDelayMs must be >= 0, got ${initialDelayMs}`);
    if (!Number.isFinite(maxDelayMs) || maxDelayMs < initialDelayMs) problems.push(`backoff.maxDelayMs must be >= initialDelayMs, got ${maxDelayMs}`);
    if (!Number.isFinite(multiplier) || multiplier < 1) problems.push(`backoff.multiplier must be >= 1, got ${multiplier}`);
    if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) problems.push(`backoff.jitter must be within 0..1, got ${jitter}`);
    return problems;
  }

  /** The delay for the next attempt; counts it as a failure. */
  next(): { attempt: number; delayMs: number } {
    const attempt = this.failures++;
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * this.multiplier ** attempt);
    const draw = Math.min(Math.max(this.random(), 0), 1);
    return { attempt, delayMs: Math.round(base * (1 - this.jitter * draw)) };
  }

  reset(): void {
    this.failures = 0;
  }

  attempts(): number {
    return this.failures;
  }
}

import { InvalidConfigError, type Trade } from '@mdg/model';
import { SeededRandom } from './seeded-random';
import type { SimulatedInstrument } from './simulated-instrument';
import { SIMULATED_PRICE_SYMBOLS } from './simulated-price-symbols';
import { SIMULATED_TOKENS } from './simulated-tokens';

/** What the simulator trades unless told otherwise: the 20 price symbols and the simulated tokens. */
export const DEFAULT_SIMULATED_INSTRUMENTS: readonly SimulatedInstrument[] = Object.freeze([...SIMULATED_PRICE_SYMBOLS, ...SIMULATED_TOKENS]);

/**
 * Bursts: short periods at several times the normal rate (news, liquidations, a pump).
 * The normal rate is lowered to compensate, so `tradesPerSecond` stays the long-run average.
 */
export interface BurstOptions {
  /** Long-run fraction of time spent in bursts. Default 0.02. */
  timeFraction?: number;
  /** Total rate during a burst as a multiple of the normal rate. Default 5. */
  rateMultiplier?: number;
  /** Mean burst length in ms (exponentially distributed). Default 3000. */
  meanDurationMs?: number;
  /** Share of a burst's trades that go to one "hot" instrument picked when the burst starts. Default 0.5. */
  hotInstrumentShare?: number;
  /** The hot instrument's volatility multiple during its burst. Default 3. */
  hotVolatilityMultiplier?: number;
}

export interface MarketSimulatorOptions {
  /** Safe integer; the same seed and options always give the same trades. */
  seed: number;
  /** Long-run average total rate over all instruments, bursts included. */
  tradesPerSecond: number;
  /** Unix ms of the simulation start; trade times are this plus simulated elapsed time. */
  startTimeMs: number;
  /** Default DEFAULT_SIMULATED_INSTRUMENTS. */
  instruments?: readonly SimulatedInstrument[];
  /** Burst parameters, or false for a plain Poisson process. Defaults: see BurstOptions. */
  bursts?: BurstOptions | false;
  /**
   * Log prices revert towards the start price with this half-life (an Ornstein–Uhlenbeck
   * walk), so a demo running for weeks keeps plausible levels. Default 3 days; Infinity
   * gives a pure geometric random walk.
   */
  meanReversionHalfLifeMs?: number;
  /** Trade.source. Default 'simulator'. */
  source?: string;
  /** Trade ids are this prefix plus a counter from 1. Default 'sim-'. */
  tradeIdPrefix?: string;
}

const MS_PER_DAY = 86_400_000;
const DEFAULT_HALF_LIFE_MS = 3 * MS_PER_DAY;
const MAX_TRADES_PER_SECOND = 10_000_000;
/** Log-normal spread of trade notionals around the median; clamped at ±4 sd so token sizes stay far below 2^53. */
const SIZE_LOG_SD = 1.0;
const SIZE_Z_LIMIT = 4;
/**
 * P(buy) = 0.5 + SIDE_BIAS * z / (1 + |z|) for the move's normalized innovation z: up-moves are
 * mostly buyer-initiated, down-moves seller-initiated (softsign: tanh's shape, a fraction of its cost).
 */
const SIDE_BIAS = 0.45;
/** Below this θ·dt the OU step uses its first-order expansion (error < 1e-6 relative), saving exp and expm1. */
const SMALL_DECAY = 1e-3;
const DEFAULT_BURSTS: Required<BurstOptions> = {
  timeFraction: 0.02,
  rateMultiplier: 5,
  meanDurationMs: 3000,
  hotInstrumentShare: 0.5,
  hotVolatilityMultiplier: 3,
};
// Module-scope bindings for the hot path: under a vm context (jest), every `Math.x` is a slow global lookup.
const { abs, exp, expm1, floor, log10, max, min, round, sqrt } = Math;
const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/** Exact powers of ten (as parsed literals) for price and lot rounding. */
const POW10: readonly number[] = Array.from({ length: 40 }, (_, k) => Number(`1e${k}`));

/**
 * A deterministic, pure trade generator: no I/O, no clock, no timers. It produces a
 * realistic-looking market:
 * - Poisson arrivals at the total rate, modulated by occasional bursts (a two-state
 *   Markov-modulated Poisson process; arrivals are drawn exactly across regime switches);
 * - the instrument drawn by weight (BTC and ETH busiest);
 * - per-instrument geometric random walk (mean-reverting in log space), advanced by the
 *   time since that instrument's previous trade, so volatility is per time, not per trade;
 * - the aggressor side correlated with the move, buys printing above the mid and sells below;
 * - log-normal USD notionals turned into sizes: whole coins in lots for price symbols,
 *   integer smallest units for tokens.
 * Internally time is fractional ms since start, so the sequence depends only on the seed
 * and options; Trade.time is the start plus its floor (integer, non-decreasing).
 */
export class MarketSimulator {
  private readonly random: SeededRandom;
  private readonly instrumentList: readonly SimulatedInstrument[];
  private readonly startTimeMs: number;
  private readonly source: string;
  private readonly tradeIdPrefix: string;
  private readonly meanReversionRatePerMs: number;

  // Struct-of-arrays per instrument: generation is the engine benchmark's warm-up path.
  private readonly ids: readonly string[];
  private readonly cumulativeWeight: Float64Array;
  private readonly startPrice: Float64Array;
  private readonly volatilityPerSqrtMs: Float64Array;
  private readonly logDeviation: Float64Array;
  private readonly lastTradeElapsedMs: Float64Array;
  private readonly lotsPerUnit: Float64Array;
  private readonly lotSize: Float64Array;
  private readonly priceDigits: Int32Array;
  /** Cached rounding decade per instrument: [low, high) and the scale for prices inside it. */
  private readonly decadeLow: Float64Array;
  private readonly decadeHigh: Float64Array;
  private readonly decadeScale: Float64Array;
  private readonly medianNotionalUsd: Float64Array;
  private readonly halfSpread: Float64Array;

  private readonly burstsEnabled: boolean;
  private readonly bursts: Required<BurstOptions>;
  private readonly normalRatePerMs: number;
  private readonly burstRatePerMs: number;
  private readonly meanCalmDurationMs: number;
  private inBurst = false;
  private regimeEndMs: number;
  private hotInstrument = -1;

  private elapsedMs = 0;
  private generatedCount = 0;
  private pending: Trade | undefined;

  constructor(options: MarketSimulatorOptions) {
    MarketSimulator.validateOptions(options);
    this.random = new SeededRandom(options.seed);
    this.instrumentList = Object.freeze([...(options.instruments ?? DEFAULT_SIMULATED_INSTRUMENTS)]);
    this.startTimeMs = options.startTimeMs;
    this.source = options.source ?? 'simulator';
    this.tradeIdPrefix = options.tradeIdPrefix ?? 'sim-';
    const halfLife = options.meanReversionHalfLifeMs ?? DEFAULT_HALF_LIFE_MS;
    this.meanReversionRatePerMs = Number.isFinite(halfLife) ? Math.LN2 / halfLife : 0;

    const list = this.instrumentList;
    const count = list.length;
    this.ids = list.map((instrument) => instrument.id);
    this.cumulativeWeight = new Float64Array(count);
    this.startPrice = new Float64Array(count);
    this.volatilityPerSqrtMs = new Float64Array(count);
    this.logDeviation = new Float64Array(count);
    this.lastTradeElapsedMs = new Float64Array(count);
    this.lotsPerUnit = new Float64Array(count);
    this.lotSize = new Float64Array(count);
    this.priceDigits = new Int32Array(count);
    // Empty ranges: the first price of each instrument computes its decade.
    this.decadeLow = new Float64Array(count).fill(Infinity);
    this.decadeHigh = new Float64Array(count);
    this.decadeScale = new Float64Array(count);
    this.medianNotionalUsd = new Float64Array(count);
    this.halfSpread = new Float64Array(count);
    const totalWeight = list.reduce((sum, instrument) => sum + instrument.weight, 0);
    let cumulative = 0;
    list.forEach((instrument, i) => {
      cumulative += instrument.weight / totalWeight;
      this.cumulativeWeight[i] = cumulative;
      this.startPrice[i] = instrument.startPrice;
      this.volatilityPerSqrtMs[i] = instrument.dailyVolatility / Math.sqrt(MS_PER_DAY);
      // Size in lots = notional / price * 10^decimals * 10^sizeDecimals.
      this.lotsPerUnit[i] = POW10[instrument.decimals]! * POW10[instrument.sizeDecimals]!;
      this.lotSize[i] = POW10[instrument.sizeDecimals]!;
      this.priceDigits[i] = instrument.priceDigits;
      this.medianNotionalUsd[i] = instrument.medianNotionalUsd;
      this.halfSpread[i] = instrument.halfSpread;
    });
    // Rounding may leave the last cumulative weight a hair below 1.
    this.cumulativeWeight[count - 1] = 1;

    this.burstsEnabled = options.bursts !== false;
    this.bursts = { ...DEFAULT_BURSTS, ...(options.bursts || {}) };
    const { timeFraction, rateMultiplier, meanDurationMs } = this.bursts;
    const averageMultiplier = this.burstsEnabled ? 1 - timeFraction + timeFraction * rateMultiplier : 1;
    this.normalRatePerMs = options.tradesPerSecond / 1000 / averageMultiplier;
    this.burstRatePerMs = this.normalRatePerMs * rateMultiplier;
    this.meanCalmDurationMs = (meanDurationMs * (1 - timeFraction)) / timeFraction;
    this.regimeEndMs = this.burstsEnabled ? this.random.exponential(1 / this.meanCalmDurationMs) : Infinity;
  }

  /** Throws InvalidConfigError listing every problem of `options`. */
  static validateOptions(options: MarketSimulatorOptions): void {
    const problems: string[] = [];
    const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
    if (!Number.isSafeInteger(options.seed)) problems.push(`seed must be a safe integer, got ${options.seed}`);
    if (!finite(options.tradesPerSecond) || options.tradesPerSecond <= 0 || options.tradesPerSecond > MAX_TRADES_PER_SECOND) {
      problems.push(`tradesPerSecond must be > 0 and <= ${MAX_TRADES_PER_SECOND}, got ${options.tradesPerSecond}`);
    }
    if (!Number.isSafeInteger(options.startTimeMs)) problems.push(`startTimeMs must be an integer number of unix ms, got ${options.startTimeMs}`);
    const halfLife = options.meanReversionHalfLifeMs;
    if (halfLife !== undefined && !(typeof halfLife === 'number' && halfLife > 0))
      problems.push(`meanReversionHalfLifeMs must be > 0 (Infinity disables), got ${halfLife}`);
    if (options.source !== undefined && (typeof options.source !== 'string' || options.source.length === 0)) problems.push('source must be a non-empty string');
    if (options.tradeIdPrefix !== undefined && typeof options.tradeIdPrefix !== 'string') problems.push('tradeIdPrefix must be a string');
    if (options.bursts) {
      const b = { ...DEFAULT_BURSTS, ...options.bursts };
      if (!finite(b.timeFraction) || b.timeFraction <= 0 || b.timeFraction >= 1) problems.push(`bursts.timeFraction must be in (0, 1), got ${b.timeFraction}`);
      if (!finite(b.rateMultiplier) || b.rateMultiplier < 1) problems.push(`bursts.rateMultiplier must be >= 1, got ${b.rateMultiplier}`);
      if (!finite(b.meanDurationMs) || b.meanDurationMs <= 0) problems.push(`bursts.meanDurationMs must be > 0, got ${b.meanDurationMs}`);
      if (!finite(b.hotInstrumentShare) || b.hotInstrumentShare < 0 || b.hotInstrumentShare > 1)
        problems.push(`bursts.hotInstrumentShare must be in [0, 1], got ${b.hotInstrumentShare}`);
      if (!finite(b.hotVolatilityMultiplier) || b.hotVolatilityMultiplier < 0)
        problems.push(`bursts.hotVolatilityMultiplier must be >= 0, got ${b.hotVolatilityMultiplier}`);
    }
    const instruments = options.instruments;
    if (instruments !== undefined) {
      if (instruments.length === 0) problems.push('instruments must not be empty');
      const seen = new Set<string>();
      for (const instrument of instruments) {
        const at = `instrument ${JSON.stringify(instrument.id)}`;
        if (typeof instrument.id !== 'string' || instrument.id.length === 0) problems.push('instrument id must be a non-empty string');
        else if (seen.has(instrument.id)) problems.push(`${at} is listed twice`);
        seen.add(instrument.id);
        if (!Number.isInteger(instrument.decimals) || instrument.decimals < 0 || instrument.decimals > 18)
          problems.push(`${at}: decimals must be an integer 0..18`);
        if (!Number.isInteger(instrument.sizeDecimals) || instrument.sizeDecimals < 0 || instrument.sizeDecimals > 12)
          problems.push(`${at}: sizeDecimals must be an integer 0..12`);
        if (!Number.isInteger(instrument.priceDigits) || instrument.priceDigits < 1 || instrument.priceDigits > 15)
          problems.push(`${at}: priceDigits must be an integer 1..15`);
        if (!finite(instrument.startPrice) || instrument.startPrice <= 0) problems.push(`${at}: startPrice must be > 0`);
        if (!finite(instrument.dailyVolatility) || instrument.dailyVolatility < 0) problems.push(`${at}: dailyVolatility must be >= 0`);
        if (!finite(instrument.weight) || instrument.weight <= 0) problems.push(`${at}: weight must be > 0`);
        if (!finite(instrument.medianNotionalUsd) || instrument.medianNotionalUsd <= 0) problems.push(`${at}: medianNotionalUsd must be > 0`);
        if (!finite(instrument.halfSpread) || instrument.halfSpread < 0 || instrument.halfSpread >= 0.5) problems.push(`${at}: halfSpread must be in [0, 0.5)`);
      }
    }
    if (problems.length > 0) throw new InvalidConfigError(problems);
  }

  /** The instruments this simulator trades. */
  instruments(): readonly SimulatedInstrument[] {
    return this.instrumentList;
  }

  /** How many trades have been generated (including one peeked but not yet taken). */
  generated(): number {
    return this.generatedCount;
  }

  /** The next trade; consumes it. */
  next(): Trade {
    const trade = this.pending ?? this.generate();
    this.pending = undefined;
    return trade;
  }

  /** Time of the next trade without consuming it (it is generated and kept). */
  peekTime(): number {
    this.pending ??= this.generate();
    return this.pending.time;
  }

  /** Every next trade with time <= untilTimeMs, at most maxCount of them, in order. */
  nextBatch(untilTimeMs: number, maxCount = Infinity): Trade[] {
    const batch: Trade[] = [];
    while (batch.length < maxCount && this.peekTime() <= untilTimeMs) batch.push(this.next());
    return batch;
  }

  private generate(): Trade {
    this.advanceToNextArrival();
    const random = this.random;
    const i = this.pickInstrument();
    const elapsed = this.elapsedMs;
    const dt = elapsed - this.lastTradeElapsedMs[i]!;
    this.lastTradeElapsedMs[i] = elapsed;

    // Ornstein–Uhlenbeck step of the log deviation from the start price over dt (exact, or first-order when θ·dt is tiny).
    let volatility = this.volatilityPerSqrtMs[i]!;
    if (this.inBurst && i === this.hotInstrument) volatility *= this.bursts.hotVolatilityMultiplier;
    const theta = this.meanReversionRatePerMs;
    const thetaDt = theta * dt;
    let decay: number;
    let variance: number;
    if (thetaDt < SMALL_DECAY) {
      decay = 1 - thetaDt;
      variance = dt * (1 - thetaDt);
    } else {
      decay = exp(-thetaDt);
      variance = -expm1(-2 * thetaDt) / (2 * theta);
    }
    const z = random.normal();
    const deviation = this.logDeviation[i]! * decay + volatility * sqrt(variance) * z;
    this.logDeviation[i] = deviation;
    const mid = this.startPrice[i]! * exp(deviation);

    const buy = random.uniform() < 0.5 + (SIDE_BIAS * z) / (1 + abs(z));
    const spread = this.halfSpread[i]!;
    const price = this.roundPrice(i, buy ? mid * (1 + spread) : mid * (1 - spread));

    let sizeZ = random.normal();
    if (sizeZ > SIZE_Z_LIMIT) sizeZ = SIZE_Z_LIMIT;
    else if (sizeZ < -SIZE_Z_LIMIT) sizeZ = -SIZE_Z_LIMIT;
    const notional = this.medianNotionalUsd[i]! * exp(SIZE_LOG_SD * sizeZ);
    // At least one lot; never beyond exact integer range.
    const lots = min(max(round((notional / price) * this.lotsPerUnit[i]!), 1), MAX_SAFE_INTEGER);
    const size = lots / this.lotSize[i]!;

    this.generatedCount++;
    return {
      instrument: this.ids[i]!,
      price,
      size,
      side: buy ? 'buy' : 'sell',
      time: this.startTimeMs + floor(elapsed),
      tradeId: this.tradeIdPrefix + this.generatedCount,
      source: this.source,
    };
  }

  /** Rounds a positive price to the instrument's significant digits (never to zero). */
  private roundPrice(i: number, value: number): number {
    if (!(value >= this.decadeLow[i]! && value < this.decadeHigh[i]!)) {
      // Prices rarely leave their decade, so the log10 is paid only then.
      const exponent = floor(log10(value));
      this.decadeLow[i] = 10 ** exponent;
      this.decadeHigh[i] = 10 ** (exponent + 1);
      const shift = this.priceDigits[i]! - 1 - exponent;
      // Negative scale marks "divide by 10^-shift" (prices with more integer digits than significant ones).
      this.decadeScale[i] = shift >= 0 ? (POW10[shift] ?? 10 ** shift) : -(POW10[-shift] ?? 10 ** -shift);
    }
    const scale = this.decadeScale[i]!;
    return scale > 0 ? round(value * scale) / scale : round(value / -scale) * -scale;
  }

  /** Draws the next arrival of the regime-modulated Poisson process (time change of a unit-rate process). */
  private advanceToNextArrival(): void {
    let hazard = this.random.exponential();
    for (;;) {
      const rate = this.inBurst ? this.burstRatePerMs : this.normalRatePerMs;
      const available = (this.regimeEndMs - this.elapsedMs) * rate;
      if (hazard <= available) {
        this.elapsedMs += hazard / rate;
        return;
      }
      hazard -= available;
      this.elapsedMs = this.regimeEndMs;
      this.switchRegime();
    }
  }

  private switchRegime(): void {
    this.inBurst = !this.inBurst;
    const meanDuration = this.inBurst ? this.bursts.meanDurationMs : this.meanCalmDurationMs;
    this.regimeEndMs = this.elapsedMs + this.random.exponential(1 / meanDuration);
    if (this.inBurst) this.hotInstrument = this.weightedInstrument(this.random.uniform());
  }

  private pickInstrument(): number {
    if (this.inBurst && this.random.uniform() < this.bursts.hotInstrumentShare) return this.hotInstrument;
    return this.weightedInstrument(this.random.uniform());
  }

  /** First index whose cumulative weight exceeds u (binary search). */
  private weightedInstrument(u: number): number {
    const cumulative = this.cumulativeWeight;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! > u) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

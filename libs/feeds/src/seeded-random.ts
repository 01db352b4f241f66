import { InvalidConfigError } from '@mdg/model';

const TWO_POW_32 = 4_294_967_296;
// Module-scope bindings: under a vm context (jest), every `Math.x` is a slow global lookup.
const { log, sqrt } = Math;

/**
 * A small, fast, seeded PRNG (sfc32, seeded through splitmix32) with the draws the
 * market simulator needs. Math.random cannot be seeded, and reproducible runs are the
 * point: the same seed always yields the same sequence on every platform, because
 * everything is 32-bit integer arithmetic (Math.imul, |0, >>>).
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Box–Muller produces normals in pairs; the second one is kept for the next call. */
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new InvalidConfigError([`seed must be a safe integer, got ${seed}`]);
    // Fold both halves of the seed in so seeds above 2^32 still differ.
    let state = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) | 0, 0x9e3779b9);
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) | 0;
    };
    this.a = splitmix32();
    this.b = splitmix32();
    this.c = splitmix32();
    this.d = splitmix32();
    // The first outputs of sfc32 are still correlated with the seed; discard them.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform integer in [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform integer in [0, maxExclusive). */
  integer(maxExclusive: number): number {
    return Math.floor(this.uniform() * maxExclusive);
  }

  /** Normal draw: Box–Muller in Marsaglia's polar form (no trigonometry, which is slow here). */
  normal(mean = 0, standardDeviation = 1): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return mean + standardDeviation * this.spareNormal;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const scale = sqrt((-2 * log(s)) / s);
    this.spareNormal = v * scale;
    this.hasSpareNormal = true;
    return mean + standardDeviation * u * scale;
  }

  /** Exponential draw with the given rate (mean 1 / rate). */
  exponential(rate = 1): number {
    return -log(1 - this.uniform()) / rate;
  }
}

/**
 * `@mdg/engine/testing`: naive reference engines (obviously correct, slow) that property tests
 * and end-to-end tests compare the real engines against. Test code only.
 */
export * from './reference-candles';
export * from './reference-ticker';
export * from './expect-same-candles';

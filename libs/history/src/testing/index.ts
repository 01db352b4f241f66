/** `@mdg/history/testing`: the suite every CandleStore implementation must pass, and its candle fixtures. Test code only. */
export * from './candle-store-contract';

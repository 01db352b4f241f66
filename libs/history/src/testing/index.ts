/** `@mdg/history/testing`: the suites every CandleStore and every ClosedCandleQueue implementation must pass, and their candle fixtures. Test code only. */
export * from './candle-store-contract';
export * from './closed-candle-queue-contract';

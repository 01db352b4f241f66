export * from './candle-queue-defaults';
export * from './bull-connection';
export * from './candle-job-codec';
export * from './bull-closed-candle-queue';
export * from './schedule-candle-retention';
export * from './candle-worker';

export * from './candle-engine';
export * from './ticker-engine';
export * from './market-engine';
export { flatCandle } from './candle-bucket';
export * from './engine-state';

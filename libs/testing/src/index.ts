export * from './reference-candles';
export * from './reference-ticker';
export * from './market-bus-contract';

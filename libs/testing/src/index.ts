export * from './reference-candles';
export * from './reference-ticker';

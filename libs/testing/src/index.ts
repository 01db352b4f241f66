export * from './reference-candles';
export * from './reference-ticker';
export * from './market-bus-contract';
export * from './redis-server-harness';
export * from './unique-prefix';
export * from './key-store-contract';
export * from './connection-registry-contract';
export * from './wait';

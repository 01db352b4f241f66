export * from './create-redis-client';
export * from './redis-script';
export * from './envelope-codec';
export * from './redis-market-bus';
export * from './wait-until-ready';
export * from './redis-connection-registry';
export * from './redis-key-store';

export * from './hub';
export * from './inbound-rate-limiter';

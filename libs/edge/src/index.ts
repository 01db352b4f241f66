export * from './hub';
export * from './inbound-rate-limiter';
export * from './delivery-observer';

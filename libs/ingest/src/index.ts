export * from './auto-track-policy';
export * from './ingest-validator';
export * from './trade-key';
export * from './recent-trade-keys';
export * from './parse-trade-batch';
export * from './validate-trade-batch';
export * from './push-trade-feed';
export * from './merged-feed';

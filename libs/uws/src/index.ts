export * from './chart-live-topic';
export * from './chart-live-options';
export * from './chart-stream';
export * from './chart-live-session';
export * from './chart-live-stats';
export * from './chart-live-refusals';
export * from './chart-live-endpoint';
export * from './chart-history-bridge';

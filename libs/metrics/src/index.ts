export * from './gateway-metrics';
export * from './metric-sources';
export * from './sampled-metric';
export * from './edge-metrics';
export * from './engine-metrics';
export * from './infrastructure-metrics';
export * from './jobs-metrics';
export * from './stats-readings';

export * from './market-pipeline';
export * from './engine-lease';
export * from './engine-state-store';
export * from './memory-engine-lease-table';
export * from './memory-engine-lease';
export * from './memory-engine-state-store';
export * from './engine-ownership';

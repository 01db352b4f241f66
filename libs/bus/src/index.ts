export * from './stream-id';
export * from './envelope';
export * from './market-bus';
export * from './memory-market-bus';
export * from './stream-sequencer';
export * from './stream-position';

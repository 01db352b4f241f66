/** `@mdg/pipeline/testing`: the suites every EngineLease and EngineStateStore implementation must pass. Test code only. */
export * from './engine-lease-contract';
export * from './engine-state-store-contract';

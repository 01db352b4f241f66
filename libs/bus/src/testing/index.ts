/** `@mdg/bus/testing`: the suite every MarketBus implementation must pass. Test code only. */
export * from './market-bus-contract';

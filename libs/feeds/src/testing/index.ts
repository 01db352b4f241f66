/** `@mdg/feeds/testing`: the suite every Feed implementation must pass. Test code only. */
export * from './feed-contract';

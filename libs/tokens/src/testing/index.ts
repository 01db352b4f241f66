/** `@mdg/tokens/testing`: the suite every TokenRegistry implementation must pass, and its token fixtures. Test code only. */
export * from './token-registry-contract';

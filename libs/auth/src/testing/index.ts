/** `@mdg/auth/testing`: the suites every KeyStore and ConnectionRegistry implementation must pass. Test code only. */
export * from './key-store-contract';
export * from './connection-registry-contract';

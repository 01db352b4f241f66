export * from './token-registry';
export * from './check-token-definition';
export * from './registered-token-codec';
export * from './token-file-format';
export * from './local-token-registry';
export * from './memory-token-registry';
export * from './track-registered-tokens';
export * from './tokens-cli';

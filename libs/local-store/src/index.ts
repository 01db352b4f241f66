/**
 * `@mdg/local-store`: the KeyStore and TokenRegistry ports on local JSON files (through
 * @mdg/file-store), for the embedded gateway and the CLI. The ports, their in-memory
 * implementations and the file formats stay in @mdg/auth and @mdg/tokens.
 */
export * from './file-key-store';
export * from './file-token-registry';

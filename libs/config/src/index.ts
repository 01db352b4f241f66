export * from './env';
export * from './env-reader';
export * from './known-settings';
export * from './nearest-name';
export * from './unknown-setting-warnings';
export * from './store-settings';
export * from './gateway-config';
export * from './cli-config';

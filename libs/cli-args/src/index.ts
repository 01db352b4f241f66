export * from './cli-usage-error';
export * from './parse-cli-args';
export * from './require-option';
export * from './format-columns';

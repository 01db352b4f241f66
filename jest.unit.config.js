/**
 * `npm run test:unit`: the I/O-free specs (no server, socket, redis-server, child process or
 * browser), for a run in well under a minute. `npm test` still runs every spec with jest.config.js.
 */
const base = require('./jest.config');
const { unitSpecs } = require('./tools/jest-unit/select-unit-specs');

module.exports = {
  ...base,
  // Exact paths instead of testMatch: the selection comes from reading each spec's imports.
  testMatch: undefined,
  testRegex: unitSpecs().map((file) => `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
  setupFiles: [...(base.setupFiles ?? []), '<rootDir>/tools/jest-unit/no-io-guard.js'],
};

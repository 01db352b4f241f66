/** One jest run over every project: specs live next to the code they test. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/tools'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
  },
  // Same mapping as tsconfig.base.json "paths": libraries are imported as @mdg/<name>, and a
  // library's test support (contract suites, fixtures) as @mdg/<name>/testing.
  moduleNameMapper: {
    '^@mdg/([a-z0-9-]+)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
    '^@mdg/([a-z0-9-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  testTimeout: 30000,
};

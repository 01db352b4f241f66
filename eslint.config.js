/**
 * Lint = Nx's module-boundary rule plus a few correctness rules. The boundaries keep
 * the core (model, engine, bus port, edge, feeds) free of any I/O framework: only
 * adapter libraries and apps may import ioredis, uWebSockets.js, socket.io, bullmq
 * or prom-client.
 */
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const FRAMEWORKS = ['ioredis', 'uWebSockets.js', 'socket.io', 'socket.io-client', 'bullmq', 'prom-client', 'ws'];

function boundaries(coreMayUse) {
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      banTransitiveDependencies: false,
      depConstraints: [
        { sourceTag: 'scope:core', onlyDependOnLibsWithTags: coreMayUse, bannedExternalImports: FRAMEWORKS },
        { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:core', 'scope:testing'] },
        { sourceTag: 'scope:adapter', onlyDependOnLibsWithTags: ['scope:core', 'scope:adapter', ...coreMayUse.filter((tag) => tag === 'scope:testing')] },
        { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:core', 'scope:adapter', 'scope:testing'] },
      ],
    },
  ];
}

module.exports = [
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', 'coverage/**', '.nx/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(['scope:core']),
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-floating-promises': 'off',
      'no-console': 'off',
    },
  },
  {
    // Specs may use the shared test helpers (reference engines, redis harness), never the frameworks.
    files: ['**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(['scope:core', 'scope:testing']) },
  },
];

/**
 * Lint = Nx's module-boundary rule plus a few correctness rules.
 *
 * Every project.json carries two tags.
 *
 * type: what a project is, i.e. its layer. Production code may import only these:
 *   model    data types, constants, errors, pure value code (model, cli-args, protocol)  → model
 *   port     interfaces other code plugs into, plus their in-memory implementations
 *            (bus, auth, tokens, feeds)                                                  → model
 *   domain   logic over models and ports, no I/O of its own (engine, pipeline, history,
 *            edge, ingest)                                                               → model, port, domain
 *   infra    I/O and process helpers that implement no port (file-store, config;
 *            redis-client, the ioredis connections that redis and jobs share)            → model, infra
 *   adapter  ports implemented on a framework, a protocol or local files (redis, jobs, local-store,
 *            socketio, uws, http, venues, metrics, dashboard; later client)              → model, port, domain, infra
 *   app      composition roots (apps/*)                                                  → all of the above
 *   testing  libs/testing: helpers that know nothing about mdg                            → nothing
 *   tooling  repository checks (tools/*)                                                 → anything but apps
 * So the core (model, port, domain) never reaches I/O, `bus` cannot import `engine`, and
 * adapters meet only through ports. ioredis, uWebSockets.js, socket.io, bullmq, prom-client
 * and ws are banned in model, port, domain and testing projects.
 *
 * scope: which part of the product a project serves.
 *   shared    used by every area (model, cli-args, bus, file-store, config, testing) → shared only
 *   market    trades in, prices and candles computed (feeds, venues, tokens, ingest,
 *             engine, pipeline)                                                    → shared, market
 *   history   durable candles (history, jobs)                                      → shared, market, history, storage
 *   delivery  clients: admission, sessions, protocols (auth, edge, socketio, uws,
 *             http; later client)                                                  → shared, market, history, delivery
 *   storage   backends that implement ports of every area (redis, local-store), and the Redis
 *             connections they share with history's jobs (redis-client)            → all but ops
 *   ops       observing and operating (metrics, dashboard, cli, deploy-check)      → anything
 *   gateway   the gateway app                                                      → anything
 * Nothing outside ops and the apps may depend on ops.
 *
 * Test code (specs and src/testing/**, where a library keeps its contract suites behind
 * @mdg/<lib>/testing) may also use type:testing and scope:storage (tests run against a real
 * Redis); an adapter's or app's tests may also drive other adapters (integration harnesses).
 * Production code may never import @mdg/testing.
 * Circular project dependencies are always an error.
 *
 * On top of that, typescript-eslint's type-checked recommended rules, on every .ts file
 * (typed by the TypeScript project service from tsconfig.json). Specs relax only the rules
 * listed in SPEC_RELAXED, each with its reason; production code and src/testing fix findings
 * or disable a rule for one line with a `-- reason`.
 */
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const FRAMEWORKS = ['ioredis', 'uWebSockets.js', 'socket.io', 'socket.io-client', 'bullmq', 'prom-client', 'ws'];
// Specs, a library's test support, and the benchmarks (which start servers with the test harness).
const TEST_FILES = ['**/*.spec.ts', '**/src/testing/**/*.ts', 'bench/**/*.ts'];

const CORE = ['type:model', 'type:port', 'type:domain'];
const TYPE_DEPS = {
  'type:model': ['type:model'],
  'type:port': ['type:model'],
  'type:domain': ['type:model', 'type:port', 'type:domain'],
  'type:infra': ['type:model', 'type:infra'],
  'type:adapter': ['type:model', 'type:port', 'type:domain', 'type:infra'],
  'type:app': ['type:model', 'type:port', 'type:domain', 'type:infra', 'type:adapter'],
  'type:testing': [],
  'type:tooling': ['type:model', 'type:port', 'type:domain', 'type:infra', 'type:adapter', 'type:testing'],
};
const SCOPE_DEPS = {
  'scope:shared': ['scope:shared'],
  'scope:market': ['scope:shared', 'scope:market'],
  'scope:history': ['scope:shared', 'scope:market', 'scope:history', 'scope:storage'],
  'scope:delivery': ['scope:shared', 'scope:market', 'scope:history', 'scope:delivery'],
  'scope:storage': ['scope:shared', 'scope:market', 'scope:history', 'scope:delivery', 'scope:storage'],
};

/**
 * The boundary rule for production code (`test: false`) or test code. `extra` widens what one
 * source type may import, for the exceptions listed below, never in general.
 */
function boundaries({ test, extra = {} }) {
  const depConstraints = Object.entries(TYPE_DEPS).map(([sourceTag, allowed]) => {
    const widened = [...allowed, ...(extra[sourceTag] ?? [])];
    if (test && sourceTag !== 'type:testing') widened.push('type:testing');
    if (test && ['type:adapter', 'type:app'].includes(sourceTag)) widened.push('type:adapter');
    const constraint = { sourceTag, onlyDependOnLibsWithTags: [...new Set(widened)] };
    if (CORE.includes(sourceTag) || sourceTag === 'type:testing') constraint.bannedExternalImports = FRAMEWORKS;
    return constraint;
  });
  for (const [sourceTag, allowed] of Object.entries(SCOPE_DEPS)) {
    // Tests may run against a real storage backend whatever their area (a chart test on Redis history).
    depConstraints.push({ sourceTag, onlyDependOnLibsWithTags: test ? [...new Set([...allowed, 'scope:storage'])] : allowed });
  }
  return ['error', { enforceBuildableLibDependency: false, banTransitiveDependencies: false, allowCircularSelfDependency: false, depConstraints }];
}

/**
 * Known debts, each as narrow as the rule allows: `{ files, extra }` widens what one source
 * type may import in those files. Remove an entry when its code moves. None at present.
 * @type {{ files: string[], extra: Record<string, string[]> }[]}
 */
const EXCEPTIONS = [];

/** Type-checked rules that specs may break, and why that is acceptable there. */
const SPEC_RELAXED = {
  // Specs read JSON frames from real sockets, parsed YAML and HTTP bodies, and assert their
  // shape with expect (whose asymmetric matchers, expect.any() and friends, are typed any too).
  // Typing each frame would add casts, not safety: expect is the check.
  '@typescript-eslint/no-unsafe-member-access': 'off',
  '@typescript-eslint/no-unsafe-assignment': 'off',
  '@typescript-eslint/no-unsafe-argument': 'off',
  '@typescript-eslint/no-unsafe-call': 'off',
  '@typescript-eslint/no-unsafe-return': 'off',
  // Fakes of async ports, contract-suite factories and eventually() predicates are async to
  // match the signature they stand in for; a body with nothing to await is not a defect, and a
  // promise a spec forgets to await is still caught by no-floating-promises.
  '@typescript-eslint/require-await': 'off',
};

module.exports = [
  // tmp/ is git-ignored scratch space (jest results, local experiments), outside every tsconfig.
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', 'coverage/**', '.nx/**', 'tmp/**'] },
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    // Every linted .ts file (apps, libs, tools, bench, scripts) is in tsconfig.json's include.
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': boundaries({ test: false }),
      // The tag rule sees projects, not entry points: @mdg/<lib>/testing and a library's own
      // src/testing resolve to a production project, so test support is kept out by path.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@mdg/testing', '@mdg/*/testing', './testing', './testing/*', '../testing', '../testing/*'],
              message: 'test support is for specs and src/testing only',
            },
          ],
        },
      ],
      'no-empty': ['error', { allowEmptyCatch: false }],
      // A promise is awaited, handled, or marked `void` where dropping it is the intent.
      '@typescript-eslint/no-floating-promises': 'error',
      // `const { dropped, ...kept } = value` is how code leaves fields out of an object.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      'no-console': 'off',
    },
  },
  { files: TEST_FILES, rules: { '@nx/enforce-module-boundaries': boundaries({ test: true }), 'no-restricted-imports': 'off' } },
  { files: ['**/*.spec.ts'], rules: SPEC_RELAXED },
  ...EXCEPTIONS.flatMap(({ files, extra }) => [
    { files, ignores: TEST_FILES, rules: { '@nx/enforce-module-boundaries': boundaries({ test: false, extra }) } },
    {
      files: files.flatMap((file) => TEST_FILES.map((test) => [file, test])),
      rules: { '@nx/enforce-module-boundaries': boundaries({ test: true, extra }), 'no-restricted-imports': 'off' },
    },
  ]),
];

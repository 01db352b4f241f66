import * as path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { createProjectGraphAsync } from '@nx/devkit';

/** Keeps `npm run lint` honest: the boundary rules must really fire on the imports they ban, and only on those. */
describe('module boundaries (eslint + Nx project tags)', () => {
  const root = path.resolve(__dirname, '../..');
  let eslint: ESLint;
  let typed: ESLint;

  beforeAll(async () => {
    await createProjectGraphAsync({ exitOnError: false }); // the rule reads the cached project graph
    // The config is passed in rather than discovered: ESLint loads config files with a
    // dynamic import(), which jest's module sandbox does not allow.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const config = require(path.join(root, 'eslint.config.js')) as Linter.Config[];
    // The snippets below are linted as files that do not exist, which the TypeScript project
    // service cannot type: the type-checked rules are switched off for them (every other rule
    // stays as configured), and checked on a real file at the end.
    eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: [...config, { files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }] });
    typed = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: config });
  }, 120_000);

  /** The problems ESLint reports for `code` as if it were saved at `file`, first line only. */
  async function problems(code: string, file: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result!.messages.map((message) => `${message.ruleId}: ${message.message.split('\n')[0]}`);
  }
  const importing = (names: string, from: string): string => `import { ${names} } from '${from}';\nexport const used = [${names}];\n`;
  const boundary = (message: string): string => `@nx/enforce-module-boundaries: ${message}`;
  const ADAPTER_MAY_USE = '"type:model", "type:port", "type:domain", "type:infra"';

  describe('a new import that closes a cycle', () => {
    it('is refused even where the tags allow it (engine → pipeline, while pipeline → engine)', async () => {
      expect(await problems(importing('MarketPipeline', '@mdg/pipeline'), 'libs/engine/src/violation.ts')).toEqual([
        boundary('Circular dependency between "engine" and "pipeline" detected: engine -> pipeline -> engine'),
      ]);
    });

    it('is refused from a spec too, since the project graph does not tell test imports apart', async () => {
      expect(await problems(importing('MarketEngine', '@mdg/engine'), 'libs/model/src/violation.spec.ts')).toEqual([
        boundary('Circular dependency between "model" and "engine" detected: model -> engine -> model'),
      ]);
    });
  });

  describe('the order of the core', () => {
    it('keeps a port (bus) from importing domain logic (engine)', async () => {
      expect(await problems(importing('MarketEngine', '@mdg/engine'), 'libs/bus/src/violation.ts')).toEqual([
        boundary('A project tagged with "type:port" can only depend on libs tagged with "type:model"'),
      ]);
    });

    it('keeps a port away from I/O helpers (bus → file-store)', async () => {
      expect(await problems(importing('WatchedJsonFile', '@mdg/file-store'), 'libs/bus/src/violation.ts')).toEqual([
        boundary('A project tagged with "type:port" can only depend on libs tagged with "type:model"'),
      ]);
    });

    it.each([['libs/auth/src/file-key-store.ts'], ['libs/tokens/src/file-token-registry.ts']])(
      'keeps file I/O out of the key and token ports (%s → file-store)',
      async (file) => {
        expect(await problems(importing('WatchedJsonFile', '@mdg/file-store'), file)).toEqual([
          boundary('A project tagged with "type:port" can only depend on libs tagged with "type:model"'),
        ]);
      },
    );

    it('keeps domain logic from importing an adapter (pipeline → venues)', async () => {
      expect(await problems(importing('FailoverFeed', '@mdg/venues'), 'libs/pipeline/src/violation.ts')).toEqual([
        boundary('A project tagged with "type:domain" can only depend on libs tagged with "type:model", "type:port", "type:domain"'),
      ]);
    });

    it('keeps the market area from depending on client delivery (ingest → edge)', async () => {
      expect(await problems(importing('Hub', '@mdg/edge'), 'libs/ingest/src/violation.ts')).toEqual([
        boundary('A project tagged with "scope:market" can only depend on libs tagged with "scope:shared", "scope:market"'),
      ]);
    });
  });

  describe('adapters meet only through ports', () => {
    it.each([
      ['socketio', '@mdg/uws', 'ChartLiveEndpoint'],
      ['uws', '@mdg/socketio', 'SocketIoPriceGateway'],
      ['http', '@mdg/redis', 'RedisMarketBus'],
      // No exception any more: jobs shares Redis connections through @mdg/redis-client (infra).
      ['jobs', '@mdg/redis', 'RedisCandleStore'],
    ])('refuses %s importing %s', async (lib, from, name) => {
      expect(await problems(importing(name, from), `libs/${lib}/src/violation.ts`)).toEqual([
        boundary(`A project tagged with "type:adapter" can only depend on libs tagged with ${ADAPTER_MAY_USE}`),
      ]);
    });

    it('refuses metrics another adapter’s stats types too: it declares the readings it needs', async () => {
      expect(await problems("import type { ChartLiveStats } from '@mdg/uws';\nexport type Used = ChartLiveStats;\n", 'libs/metrics/src/violation.ts')).toEqual([
        boundary(`A project tagged with "type:adapter" can only depend on libs tagged with ${ADAPTER_MAY_USE}`),
      ]);
      expect(await problems(importing('ChartLiveEndpoint', '@mdg/uws'), 'libs/metrics/src/violation.ts')).toEqual([
        boundary(`A project tagged with "type:adapter" can only depend on libs tagged with ${ADAPTER_MAY_USE}`),
      ]);
    });

    it('lets an adapter’s tests drive another adapter (an integration harness)', async () => {
      expect(await problems(importing('BullClosedCandleQueue', '@mdg/jobs'), 'libs/uws/src/testing/fine.ts')).toEqual([]);
    });
  });

  describe('frameworks stay out of the core', () => {
    it.each([
      ['ioredis', 'libs/engine/src/violation.ts', 'type:domain'],
      ['uWebSockets.js', 'libs/edge/src/violation.ts', 'type:domain'],
      ['socket.io', 'libs/bus/src/violation.ts', 'type:port'],
      ['bullmq', 'libs/history/src/violation.ts', 'type:domain'],
      ['prom-client', 'libs/model/src/violation.ts', 'type:model'],
      ['ws', 'libs/feeds/src/violation.ts', 'type:port'],
    ])('refuses %s in %s', async (framework, file, tag) => {
      expect(await problems(`import * as framework from '${framework}';\nexport const used = framework;\n`, file)).toEqual([
        boundary(`A project tagged with "${tag}" is not allowed to import "${framework}"`),
      ]);
    });

    it('allows them in an adapter', async () => {
      expect(await problems("import { Redis } from 'ioredis';\nexport const used = Redis;\n", 'libs/redis/src/fine.ts')).toEqual([]);
    });
  });

  describe('test support stays out of production code', () => {
    it('refuses @mdg/testing in core and adapter code', async () => {
      expect(await problems(importing('eventually', '@mdg/testing'), 'libs/engine/src/violation.ts')).toEqual([
        boundary('A project tagged with "type:domain" can only depend on libs tagged with "type:model", "type:port", "type:domain"'),
        expect.stringMatching(/^no-restricted-imports: '@mdg\/testing' import is restricted/),
      ]);
      expect(await problems(importing('uniquePrefix', '@mdg/testing'), 'libs/redis/src/violation.ts')).toEqual([
        boundary(`A project tagged with "type:adapter" can only depend on libs tagged with ${ADAPTER_MAY_USE}`),
        expect.stringMatching(/^no-restricted-imports: '@mdg\/testing' import is restricted/),
      ]);
    });

    it('refuses a library’s contract suites (@mdg/<lib>/testing, ./testing) in production code', async () => {
      expect(await problems(importing('describeMarketBusContract', '@mdg/bus/testing'), 'libs/redis/src/violation.ts')).toEqual([
        expect.stringMatching(/^no-restricted-imports: '@mdg\/bus\/testing' import is restricted/),
      ]);
      expect(await problems(importing('describeMarketBusContract', './testing'), 'libs/bus/src/violation.ts')).toEqual([
        expect.stringMatching(/^no-restricted-imports: '\.\/testing' import is restricted/),
      ]);
    });

    it('keeps libs/testing itself free of mdg code', async () => {
      expect(await problems(importing('TIMEFRAMES', '@mdg/model'), 'libs/testing/src/violation.ts')).toEqual([
        boundary('A project tagged with "type:testing" cannot depend on any libs with tags'),
      ]);
    });
  });

  describe('allowed imports', () => {
    it.each([
      ['engine → model (domain on model)', "import { TIMEFRAMES } from '@mdg/model';\nexport const used = TIMEFRAMES;\n", 'libs/engine/src/fine.ts'],
      ['edge → bus (domain on a port)', importing('MemoryMarketBus', '@mdg/bus'), 'libs/edge/src/fine.ts'],
      ['redis → bus (adapter implementing a port)', importing('MemoryMarketBus', '@mdg/bus'), 'libs/redis/src/fine.ts'],
      ['redis → config (adapter on infra)', importing('loadGatewayConfig', '@mdg/config'), 'libs/redis/src/fine.ts'],
      ['local-store → file-store (the file-backed KeyStore on infra)', importing('WatchedJsonFile', '@mdg/file-store'), 'libs/local-store/src/fine.ts'],
      ['jobs → redis-client (adapter on infra; history on storage)', importing('reconnectDelay', '@mdg/redis-client'), 'libs/jobs/src/fine.ts'],
      ['redis → redis-client (adapter on infra)', importing('createRedisClient', '@mdg/redis-client'), 'libs/redis/src/fine.ts'],
      ['a jobs spec writing to the Redis candle store (an integration harness)', importing('RedisCandleStore', '@mdg/redis'), 'libs/jobs/src/fine.spec.ts'],
      ['gateway → socketio (an app composing adapters)', importing('SocketIoPriceGateway', '@mdg/socketio'), 'apps/gateway/src/fine.ts'],
      [
        'a redis spec running the bus contract against Redis',
        importing('describeMarketBusContract, startRedisServer', '@mdg/bus/testing'),
        'libs/redis/src/fine.spec.ts',
      ],
      ['an engine spec using the test helpers', importing('eventually', '@mdg/testing'), 'libs/engine/src/fine.spec.ts'],
    ])('%s', async (_what, code, file) => {
      expect(await problems(code, file)).toEqual([]);
    });
  });

  describe('the type-checked rules', () => {
    it('are on for real files, no-floating-promises among them', async () => {
      // New text for a file that exists (tools/lint/find-cycle.ts), so the project service can type it.
      const code = 'function later(): Promise<void> {\n  return Promise.resolve();\n}\nlater();\nvoid later();\nexport {};\n';
      const [result] = await typed.lintText(code, { filePath: path.join(root, 'tools/lint/find-cycle.ts') });
      expect(result!.messages.map((message) => `${message.ruleId}: ${message.line}`)).toEqual(['@typescript-eslint/no-floating-promises: 4']);
    }, 120_000);
  });
});

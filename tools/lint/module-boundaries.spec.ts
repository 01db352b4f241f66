import * as path from 'node:path';
import { ESLint } from 'eslint';
import { createProjectGraphAsync } from '@nx/devkit';

/** Keeps `npm run lint` honest: the boundary rule must really fire on the imports it bans. */
describe('module boundaries (eslint + Nx project tags)', () => {
  const root = path.resolve(__dirname, '../..');
  let eslint: ESLint;

  beforeAll(async () => {
    await createProjectGraphAsync({ exitOnError: false }); // the rule reads the cached project graph
    // The config is passed in rather than discovered: ESLint loads config files with a
    // dynamic import(), which jest's module sandbox does not allow.
    eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: require(path.join(root, 'eslint.config.js')) });
  }, 60_000);

  async function problems(code: string, file: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result!.messages.map((message) => `${message.ruleId}: ${message.message}`);
  }

  it.each(['ioredis', 'uWebSockets.js', 'socket.io', 'bullmq', 'prom-client'])('refuses %s in a core library', async (framework) => {
    const found = await problems(`import * as x from '${framework}';\nexport const y = x;\n`, 'libs/engine/src/violation.ts');
    expect(found).toEqual([`@nx/enforce-module-boundaries: A project tagged with "scope:core" is not allowed to import "${framework}"`]);
  });

  it('refuses the test helpers in core production code but allows them in specs', async () => {
    const code = "import { ReferenceCandles } from '@mdg/testing';\nexport const y = ReferenceCandles;\n";
    expect(await problems(code, 'libs/engine/src/violation.ts')).toEqual([
      '@nx/enforce-module-boundaries: A project tagged with "scope:core" can only depend on libs tagged with "scope:core"',
    ]);
    expect(await problems(code, 'libs/engine/src/violation.spec.ts')).toEqual([]);
  });

  it('accepts core-to-core imports', async () => {
    expect(await problems("import { TIMEFRAMES } from '@mdg/model';\nexport const y = TIMEFRAMES;\n", 'libs/engine/src/fine.ts')).toEqual([]);
  });
});

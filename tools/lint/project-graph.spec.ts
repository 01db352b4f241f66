import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ProjectGraph } from '@nx/devkit';
import { findCycle, type DependencyMap } from './find-cycle';

/**
 * The project graph Nx builds from the source imports (what `nx graph`, `nx affected` and the
 * module-boundary rule all read) must show the real dependencies and no cycle.
 */
describe('the Nx project graph', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mdg-nx-data-'));
  let graph: ProjectGraph;
  let deps: DependencyMap;

  beforeAll(async () => {
    // As in a fresh clone: no daemon and no .nx cache to fall back on. Nx reads these when loaded.
    process.env['NX_DAEMON'] = 'false';
    process.env['NX_WORKSPACE_DATA_DIRECTORY'] = dataDir;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only now, after the env above is set
    const { createProjectGraphAsync } = require('@nx/devkit') as typeof import('@nx/devkit');
    graph = await createProjectGraphAsync({ exitOnError: false });
    deps = Object.fromEntries(
      Object.entries(graph.dependencies).map(([source, edges]) => [source, edges.map((edge) => edge.target).filter((target) => target in graph.nodes)]),
    );
  }, 120_000);

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('knows every project under apps, libs and tools', () => {
    const names = Object.keys(graph.nodes);
    expect(names).toEqual(
      expect.arrayContaining([
        'model',
        'engine',
        'bus',
        'edge',
        'pipeline',
        'redis',
        'redis-client',
        'jobs',
        'socketio',
        'uws',
        'testing',
        'local-store',
        'gateway',
        'cli',
        'deploy-check',
      ]),
    );
    expect(names.length).toBeGreaterThanOrEqual(25);
  });

  it.each([
    ['engine', 'model'],
    ['bus', 'model'],
    ['edge', 'bus'],
    ['pipeline', 'engine'],
    ['redis', 'bus'], // also through @mdg/bus/testing, the contract suite its spec runs
    ['redis', 'redis-client'],
    ['jobs', 'redis-client'],
    ['socketio', 'edge'],
    ['gateway', 'socketio'],
    ['tokens', 'testing'], // the token-registry contract polls with @mdg/testing's eventually
    ['local-store', 'file-store'],
    ['local-store', 'auth'],
    ['local-store', 'tokens'],
    ['gateway', 'local-store'],
    ['cli', 'local-store'],
  ])('has the edge %s → %s that the source imports make', (source, target) => {
    expect(deps[source]).toContain(target);
  });

  it.each(['auth', 'tokens'])('keeps the %s port off file I/O (the file-backed store is in local-store)', (port) => {
    expect(deps[port]).not.toContain('file-store');
  });

  it('keeps libs/testing free of project dependencies, so any project may use it', () => {
    expect(deps['testing']).toEqual([]);
  });

  it('has no dependency cycle', () => {
    expect(findCycle(deps)).toBeUndefined();
  });
});

describe('findCycle', () => {
  it('finds a cycle through several projects and reports it as a closed path', () => {
    expect(findCycle({ model: [], engine: ['model', 'testing'], testing: ['bus'], bus: ['model', 'engine'] })).toEqual(['bus', 'engine', 'testing', 'bus']);
  });

  it('finds a self-dependency', () => {
    expect(findCycle({ a: ['a'] })).toEqual(['a', 'a']);
  });

  it('accepts a diamond, which shares a dependency without a cycle', () => {
    expect(findCycle({ app: ['left', 'right'], left: ['model'], right: ['model'], model: [] })).toBeUndefined();
  });
});

import * as path from 'node:path';

// Plain JavaScript (jest.unit.config.js loads it before any transform exists).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a .js module without types, typed here
const { unitSpecs } = require('./select-unit-specs') as { unitSpecs: () => string[] };

const ROOT = path.resolve(__dirname, '../..');

describe('the test:unit selection', () => {
  const selected = new Set(unitSpecs().map((file) => path.relative(ROOT, file)));

  it('leaves out specs that start servers, redis-server, child processes or Chromium', () => {
    for (const spec of [
      'apps/gateway/src/gateway.spec.ts',
      'apps/gateway/src/scale-out.spec.ts',
      'libs/redis/src/redis-market-bus.spec.ts',
      'libs/dashboard/src/dashboard-browser.spec.ts',
      'libs/venues/src/binance-trade-feed.spec.ts',
      'libs/socketio/src/python-client.spec.ts',
      'tools/lint/project-graph.spec.ts',
    ]) {
      expect([spec, selected.has(spec)]).toEqual([spec, false]);
    }
  });

  it('keeps the pure specs, including those whose harness is I/O-free', () => {
    for (const spec of [
      'libs/pipeline/src/engine-ownership.spec.ts',
      'libs/model/src/errors/error-codes.spec.ts',
      'libs/config/src/gateway-config.spec.ts',
      'libs/feeds/src/simulated-feed.spec.ts',
    ]) {
      expect([spec, selected.has(spec)]).toEqual([spec, true]);
    }
  });
});

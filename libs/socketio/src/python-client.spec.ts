import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { PriceUpdate } from '@mdg/protocol';
import { GatewayHarness } from './testing/gateway-harness';

/** Debian's python3-socketio is installed for /usr/bin/python3 (scripts/pretest.sh installs it). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'testing', 'python-price-client.py');

interface PythonRun {
  lines: Array<[string, unknown]>;
  exitCode: number | null;
}

/** Runs the Python client; `onLine` may publish in reaction to what it printed. */
function runPythonClient(args: string[], onLine: (name: string, data: unknown) => void): Promise<PythonRun> {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run scripts/pretest.sh (installs python3-socketio)`);
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<[string, unknown]> = [];
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [name, data] = JSON.parse(line) as [string, unknown];
      lines.push([name, data]);
      onLine(name, data);
    });
    child.once('error', reject);
    child.once('close', (exitCode) => {
      if (stderr.includes('ModuleNotFoundError')) reject(new Error(`python-socketio is missing: run scripts/pretest.sh\n${stderr}`));
      else resolve({ lines, exitCode });
    });
  });
}

describe('the documented Python client (python-socketio) on /api-ws', () => {
  let harness: GatewayHarness;

  afterEach(async () => {
    await harness.close();
  });

  it.each(['websocket', 'default'])('never subscribes and still receives every symbol (transport: %s)', async (transport) => {
    harness = await GatewayHarness.start({ before: ({ publish }) => publish('BTC', { price: 87250.5 }) });
    const apiKey = await harness.createKey('python-user');
    const run = await runPythonClient([harness.url, apiKey, '3', transport], (name) => {
      if (name !== 'initial-prices') return;
      harness.publish('ETH', { price: 1 });
      harness.publish('SOL', { price: 2 });
      harness.publish('BTC', { price: 3 });
    });
    expect(run.exitCode).toBe(0);
    expect(run.lines.map(([name]) => name)).toEqual(['initial-prices', 'price-update', 'price-update', 'price-update']);
    expect(run.lines[0]![1]).toEqual([expect.objectContaining({ symbol: 'BTC', price: 87250.5, seq: 1 })]);
    expect(run.lines.slice(1).map(([, update]) => [(update as PriceUpdate).symbol, (update as PriceUpdate).seq])).toEqual([
      ['ETH', 1],
      ['SOL', 1],
      ['BTC', 2],
    ]);
  });

  it('sees the documented refusal message', async () => {
    harness = await GatewayHarness.start();
    const freeKey = await harness.createKey('free-user', 'free');
    const run = await runPythonClient([harness.url, freeKey, '1', 'websocket'], () => undefined);
    expect(run.exitCode).toBe(2);
    expect(run.lines[0]).toEqual(['connect_error', { message: 'Pro subscription required', data: { code: 'PRO_REQUIRED' } }]);
  });
});

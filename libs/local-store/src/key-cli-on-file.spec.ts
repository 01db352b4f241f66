import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runKeysCommand, type ApiKeyRecord } from '@mdg/auth';
import { eventually, firstEvent } from '@mdg/testing';
import { FileKeyStore } from './file-key-store';

describe('runKeysCommand on a keys file, as `npm run mdg -- keys` would use it', () => {
  const dirs: string[] = [];

  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a key created by the CLI works on a running server, and a CLI revoke reaches it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdg-keys-cli-'));
    dirs.push(dir);
    const file = path.join(dir, 'keys.json');
    const server = await FileKeyStore.open({ path: file });
    try {
      const lines: string[] = [];
      const cliRun = async (...args: string[]): Promise<number> => {
        const cli = await FileKeyStore.open({ path: file, watch: false });
        try {
          return await runKeysCommand(args, cli, (line) => lines.push(line));
        } finally {
          await cli.close();
        }
      };
      expect(await cliRun('keys', 'create', '--user', 'alice', '--plan', 'pro')).toBe(0);
      const key = lines.join('\n').match(/ci_live_[0-9A-Za-z]{32}/)?.[0];
      expect(key).toBeDefined();
      expect(fs.readFileSync(file, 'utf8')).not.toContain(key!);

      await eventually(async () => (await server.verify(key!)).ok, { timeoutMs: 2000, what: 'the new key on the server' });

      const revoked = firstEvent<ApiKeyRecord>((listener) => server.onRevoked(listener), 2000, 'onRevoked');
      expect(await cliRun('keys', 'revoke', key!.slice(0, 14))).toBe(0);
      expect((await revoked).userId).toBe('alice');
      expect((await server.verify(key!)).ok).toBe(false);
    } finally {
      await server.close();
    }
  });
});

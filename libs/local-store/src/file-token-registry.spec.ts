import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TokenStoreError, WRAPPED_SOL_MINT } from '@mdg/model';
import { CONTRACT_TOKENS, describeTokenRegistryContract } from '@mdg/tokens/testing';
import { eventually, firstEvent } from '@mdg/testing';
import { FileTokenRegistry } from './file-token-registry';

const dirs: string[] = [];
let lastPath = '';

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdg-tokens-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'tokens.json');
}

afterAll(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describeTokenRegistryContract('FileTokenRegistry', {
  open: async (clock) => {
    lastPath = tempFile();
    return FileTokenRegistry.open({ path: lastPath, clock, pollIntervalMs: 50 });
  },
  openPeer: () => FileTokenRegistry.open({ path: lastPath, pollIntervalMs: 50 }),
});

describe('FileTokenRegistry file handling', () => {
  const stores: FileTokenRegistry[] = [];
  const [bonk, usdc] = CONTRACT_TOKENS;

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  async function open(file: string, watch = true): Promise<FileTokenRegistry> {
    const store = await FileTokenRegistry.open({ path: file, pollIntervalMs: 50, watch });
    stores.push(store);
    return store;
  }

  it('writes a versioned, readable JSON file and leaves no temp or lock file behind', async () => {
    const file = tempFile();
    const store = await open(file);
    await store.add(bonk);
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; tokens: unknown[] };
    expect(data.version).toBe(1);
    expect(data.tokens).toEqual([{ ...bonk, registeredAt: expect.any(Number), origin: 'manual' }]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['tokens.json']);
  });

  it('keeps the last good state when the file turns corrupt, reports it, and refuses to overwrite it', async () => {
    const file = tempFile();
    const store = await open(file);
    await store.add(bonk);
    const reported = firstEvent<TokenStoreError>((listener) => store.onError(listener), 3000, 'a corrupt-file error');
    fs.writeFileSync(file, '{"version":1,"tokens":[{"tokenAddress":"x"}]}');
    expect((await reported).reason).toBe('corrupt');
    expect((await store.list()).map((token) => token.symbol)).toEqual(['BONK']);
    await expect(store.add(usdc)).rejects.toMatchObject({ reason: 'corrupt' });
    expect(fs.readFileSync(file, 'utf8')).toContain('"x"');
  });

  it('refuses to open a corrupt file, and opens a missing one empty', async () => {
    const file = tempFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'not json');
    await expect(FileTokenRegistry.open({ path: file, watch: false })).rejects.toMatchObject({ code: 'TOKEN_STORE_ERROR', reason: 'corrupt' });
    const missing = await open(tempFile(), false);
    expect(await missing.list()).toEqual([]);
  });

  it('concurrent writers (the gateway and the CLI) never lose each other’s tokens', async () => {
    const file = tempFile();
    const a = await open(file, false);
    const b = await open(file, false);
    const extra = { tokenAddress: 'J686bwJb99zXYUBZ8vcEE4u8QaAMHykChngPWrkR587n', quoteToken: WRAPPED_SOL_MINT, decimals: 6, symbol: 'PUMPCAT' };
    await Promise.all([a.add(bonk), b.add(usdc), a.add(extra)]);
    const reader = await open(file, false);
    expect((await reader.list()).map((token) => token.symbol).sort()).toEqual(['BONK', 'PUMPCAT', 'USDC']);
  });

  it('sees a hand edit of the file (a token appended by an operator)', async () => {
    const file = tempFile();
    const store = await open(file);
    await store.add(bonk);
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { tokens: unknown[] };
    data.tokens.push({ ...usdc, registeredAt: 1, origin: 'manual' });
    fs.writeFileSync(file, JSON.stringify(data));
    await eventually(async () => (await store.get(usdc.tokenAddress)) !== undefined, { timeoutMs: 3000, what: 'the hand-added token' });
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvalidConfigError } from '@mdg/model';
import { runCli } from './run-cli';

describe('npm run mdg', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  const output = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mdg-cli-'));
    out = [];
    err = [];
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes keys to MDG_KEYS_FILE, the file the gateway reads', async () => {
    const keysFile = path.join(dir, 'keys.json');
    expect(await runCli(['keys', 'create', '--user', 'alice', '--plan', 'pro'], { MDG_KEYS_FILE: keysFile }, output)).toBe(0);
    expect(out.join('\n')).toMatch(/ci_live_/);
    expect(readFileSync(keysFile, 'utf8')).toContain('alice');
    expect(err).toEqual([]);
  });

  it('writes tokens to MDG_TOKENS_FILE', async () => {
    const tokensFile = path.join(dir, 'tokens.json');
    const mint = 'EfadCVV4RNwiKpbmjxU2rZrBgTyYYPna3DjC4qZ1hnKy';
    const quote = 'So11111111111111111111111111111111111111112';
    expect(await runCli(['tokens', 'add', mint, '--decimals', '6', '--quote', quote, '--symbol', 'KAMINO9'], { MDG_TOKENS_FILE: tokensFile }, output)).toBe(0);
    expect(readFileSync(tokensFile, 'utf8')).toContain(mint);
  });

  it('warns about a misspelt setting before running the command, naming the nearest known one', async () => {
    const keysFile = path.join(dir, 'keys.json');
    expect(await runCli(['keys', 'list'], { MDG_KEYS_FILE: keysFile, MDG_KEY_FILE: '/elsewhere.json' }, output)).toBe(0);
    expect(err).toEqual(['warning: MDG_KEY_FILE is not a known setting; did you mean MDG_KEYS_FILE?']);
  });

  it('refuses an invalid setting with the same message as the gateway', async () => {
    await expect(runCli(['keys', 'list'], { REDIS_URL: 'localhost:6379' }, output)).rejects.toThrow(InvalidConfigError);
  });

  it('prints the usage for help (exit 0) and for an unknown command (exit 2)', async () => {
    expect(await runCli(['help'], {}, output)).toBe(0);
    expect(await runCli(['launch'], {}, output)).toBe(2);
    expect(err[0]).toMatch(/^Usage: npm run mdg/);
  });
});

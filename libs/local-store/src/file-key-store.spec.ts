import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KeyStoreError, ManualClock } from '@mdg/model';
import { FileKeyStore, type FileKeyStoreOptions } from './file-key-store';
import type { ApiKeyRecord } from '@mdg/auth';
import { describeKeyStoreContract, keyStoreRejection } from '@mdg/auth/testing';
import { eventually, firstEvent } from '@mdg/testing';

const tempDirs: string[] = [];
const openStores: FileKeyStore[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdg-auth-'));
  tempDirs.push(dir);
  return dir;
}

async function openStore(options: FileKeyStoreOptions): Promise<FileKeyStore> {
  const store = await FileKeyStore.open(options);
  openStores.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(openStores.splice(0).map((store) => store.close()));
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes a whole file by rename, as an external tool doing an atomic replace would. */
function replaceFile(file: string, text: string): void {
  fs.writeFileSync(`${file}.ext`, text);
  fs.renameSync(`${file}.ext`, file);
}

describeKeyStoreContract('FileKeyStore', async (clock) => openStore({ path: path.join(tempDir(), 'keys.json'), clock }));

describe('FileKeyStore on disk', () => {
  it('starts empty when the file is missing and creates it (0600, parents 0700) on the first write', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'nested', 'keys.json');
    const store = await openStore({ path: file, clock: new ManualClock(1000) });
    expect(await store.list()).toEqual([]);
    expect(fs.existsSync(file)).toBe(false);
    await store.create({ userId: 'u', plan: 'pro' });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(store.path).toBe(file);
  });

  it('stores hashes and prefixes only: the key never appears in the file', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const store = await openStore({ path: file, clock: new ManualClock(1000) });
    const { apiKey, record } = await store.create({ userId: 'user-1', plan: 'pro' });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain(apiKey.slice(14)); // the part of the secret beyond the displayed prefix
    expect(JSON.parse(text)).toEqual({ version: 1, keys: [record] });
    expect(text.endsWith('\n')).toBe(true);
    // No temp or lock file left behind.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['keys.json']);
  });

  it('persists across instances: a new instance verifies, lists and revokes what an earlier one wrote', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const first = await openStore({ path: file, watch: false });
    const { apiKey, record } = await first.create({ userId: 'u', plan: 'free', mode: 'test' });
    await first.close();
    const second = await openStore({ path: file, watch: false });
    expect(await second.verify(apiKey)).toEqual({ ok: true, record });
    expect(await second.list()).toEqual([record]);
    expect((await second.revoke(record.keyPrefix))?.revokedAt).toBeDefined();
    const third = await openStore({ path: file, watch: false });
    expect((await third.verify(apiKey)).ok).toBe(false);
  });

  it('a running store notices a key created by another process and fires onRevoked within 2 s when it is revoked', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const server = await openStore({ path: file });
    const cli = await openStore({ path: file, watch: false });

    const { apiKey, record } = await cli.create({ userId: 'u', plan: 'pro' });
    await eventually(async () => (await server.verify(apiKey)).ok, { timeoutMs: 2000, what: 'the new key on the server' });

    const revoked = firstEvent<ApiKeyRecord>((listener) => server.onRevoked(listener), 2000, 'onRevoked');
    const cliRevoked = await cli.revoke(record.keyPrefix);
    expect(await revoked).toEqual(cliRevoked);
    expect(await server.verify(apiKey)).toEqual({ ok: false, reason: 'AUTH_FAILED' });
  });

  it('notices plan changes and keys removed from the file by hand', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const server = await openStore({ path: file, clock: new ManualClock(50_000) });
    const a = await server.create({ userId: 'a', plan: 'pro' });
    const b = await server.create({ userId: 'b', plan: 'pro' });
    const cli = await openStore({ path: file, watch: false });

    const planChanged = firstEvent<ApiKeyRecord>((listener) => server.onPlanChanged(listener), 2000, 'onPlanChanged');
    await cli.setPlan('a', { plan: 'free', planActive: true });
    expect(await planChanged).toMatchObject({ userId: 'a', plan: 'free' });

    const removed = firstEvent<ApiKeyRecord>((listener) => server.onRevoked(listener), 2000, 'onRevoked');
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: number; keys: ApiKeyRecord[] };
    replaceFile(file, JSON.stringify({ version: 1, keys: data.keys.filter((key) => key.userId !== 'b') }));
    expect(await removed).toEqual({ ...b.record, revokedAt: 50_000 });
    expect((await server.verify(b.apiKey)).ok).toBe(false);
    expect((await server.verify(a.apiKey)).ok).toBe(true);
  });

  it('on a corrupt file at reload keeps the last good state, reports it, and recovers when the file is fixed', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const server = await openStore({ path: file, pollIntervalMs: 50 });
    const { apiKey } = await server.create({ userId: 'u', plan: 'pro' });
    const goodText = fs.readFileSync(file, 'utf8');

    const reported = firstEvent<KeyStoreError>((listener) => server.onError(listener), 2000, 'onError');
    fs.writeFileSync(file, '{"version":1,"keys":[{"keyHash":'); // a torn, non-atomic write
    const error = await reported;
    expect(error).toBeInstanceOf(KeyStoreError);
    expect(error.reason).toBe('corrupt');
    expect(error.message).toContain(file);
    expect(await server.verify(apiKey)).toMatchObject({ ok: true });

    // Writes refuse to overwrite the corrupt file.
    expect((await keyStoreRejection(server.create({ userId: 'v', plan: 'pro' }))).reason).toBe('corrupt');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"version":1,"keys":[{"keyHash":');

    const revoked = firstEvent<ApiKeyRecord>((listener) => server.onRevoked(listener), 2000, 'onRevoked');
    const fixed = JSON.parse(goodText) as { version: number; keys: ApiKeyRecord[] };
    replaceFile(file, JSON.stringify({ version: 1, keys: fixed.keys.map((key) => ({ ...key, revokedAt: 123 })) }));
    expect((await revoked).revokedAt).toBe(123);
    expect((await server.verify(apiKey)).ok).toBe(false);
  });

  it('keeps the last good state when the file disappears, and the next write recreates it', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const writer = await openStore({ path: file, watch: false });
    const { apiKey } = await writer.create({ userId: 'u', plan: 'pro' });
    // Opened on an existing file: a poller only sees a deletion of a file it has seen.
    const server = await openStore({ path: file, pollIntervalMs: 50 });
    const revoked: ApiKeyRecord[] = [];
    server.onRevoked((record) => revoked.push(record));

    const reported = firstEvent<KeyStoreError>((listener) => server.onError(listener), 2000, 'onError');
    fs.rmSync(file);
    expect((await reported).message).toContain('disappeared');
    expect((await server.verify(apiKey)).ok).toBe(true);

    await server.create({ userId: 'v', plan: 'free' });
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys: ApiKeyRecord[] };
    expect(onDisk.keys.map((key) => key.userId)).toEqual(['u', 'v']);
    expect(revoked).toEqual([]);
  });

  it('two writers on the same file never lose each other’s changes', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const a = await openStore({ path: file });
    const b = await openStore({ path: file, watch: false });
    await Promise.all(Array.from({ length: 10 }, (_, i) => [a.create({ userId: `a${i}`, plan: 'pro' }), b.create({ userId: `b${i}`, plan: 'free' })]).flat());
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys: ApiKeyRecord[] };
    expect(onDisk.keys).toHaveLength(20);
    const reader = await openStore({ path: file, watch: false });
    expect(await reader.list()).toHaveLength(20);
  });

  it('waits for another writer’s lock, fails clearly when it is held too long, and breaks a stale one', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const lock = `${file}.lock`;
    const store = await openStore({ path: file, watch: false, lockTimeoutMs: 100, staleLockMs: 60_000 });
    fs.writeFileSync(lock, '999999\n');
    const error = await keyStoreRejection(store.create({ userId: 'u', plan: 'pro' }));
    expect(error.reason).toBe('locked');
    expect(error.message).toContain(lock);
    expect(fs.existsSync(file)).toBe(false);

    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lock, old, old);
    await store.create({ userId: 'u', plan: 'pro' });
    expect(fs.existsSync(lock)).toBe(false);
    expect(await store.list()).toHaveLength(1);
  });

  it('ignores unknown fields in the file and does not write them back', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const writer = await openStore({ path: file, watch: false });
    const { apiKey, record } = await writer.create({ userId: 'u', plan: 'pro' });
    fs.writeFileSync(file, JSON.stringify({ version: 1, keys: [{ ...record, note: 'added by hand' }] }));
    const reader = await openStore({ path: file, watch: false });
    expect(await reader.verify(apiKey)).toEqual({ ok: true, record });
    await reader.create({ userId: 'v', plan: 'pro' });
    expect(fs.readFileSync(file, 'utf8')).not.toContain('added by hand');
  });

  describe('refuses to start on a corrupt file, with a typed error naming the file and the problem', () => {
    const valid = { keyHash: 'a'.repeat(64), keyPrefix: 'ci_live_AbC123', userId: 'u', plan: 'pro', planActive: true, mode: 'live', createdAt: 1 };
    it.each<[string, string, string]>([
      ['an empty file', '', 'not valid JSON'],
      ['not JSON', 'keys: []', 'not valid JSON'],
      ['a JSON array', '[]', 'not a JSON object'],
      ['another version', '{"version":2,"keys":[]}', 'unsupported version 2'],
      ['no keys array', '{"version":1}', '"keys" is not an array'],
      ['a bad hash', JSON.stringify({ version: 1, keys: [{ ...valid, keyHash: 'xyz' }] }), 'keys[0]: keyHash'],
      ['a whole key as prefix', JSON.stringify({ version: 1, keys: [{ ...valid, keyPrefix: 'ci_live_' + 'a'.repeat(32) }] }), 'keys[0]: keyPrefix'],
      ['a bad plan', JSON.stringify({ version: 1, keys: [valid, { ...valid, keyHash: 'b'.repeat(64), plan: 'gold' }] }), 'keys[1]: plan'],
      ['a mode that contradicts the prefix', JSON.stringify({ version: 1, keys: [{ ...valid, mode: 'test' }] }), 'keys[0]: keyPrefix does not match mode'],
      ['a bad revokedAt', JSON.stringify({ version: 1, keys: [{ ...valid, revokedAt: 'yesterday' }] }), 'keys[0]: revokedAt'],
      ['bad scopes', JSON.stringify({ version: 1, keys: [{ ...valid, scopes: [1] }] }), 'keys[0]: scopes'],
      ['a duplicate hash', JSON.stringify({ version: 1, keys: [valid, valid] }), 'keys[1]: duplicate keyHash'],
    ])('%s', async (_label, text, problem) => {
      const file = path.join(tempDir(), 'keys.json');
      fs.writeFileSync(file, text);
      const error = await keyStoreRejection(FileKeyStore.open({ path: file }));
      expect(error.code).toBe('KEY_STORE_ERROR');
      expect(error.reason).toBe('corrupt');
      expect(error.message).toContain(file);
      expect(error.message).toContain(problem);
    });
  });

  it('reports an unreadable path at startup as an io error', async () => {
    const dir = tempDir();
    const error = await keyStoreRejection(FileKeyStore.open({ path: dir })); // a directory, not a file
    expect(error.reason).toBe('io');
    expect(error.message).toContain(dir);
  });

  it('validates the poll interval (at most 1 s so changes are seen within 2 s)', async () => {
    const file = path.join(tempDir(), 'keys.json');
    for (const pollIntervalMs of [0, 5, 1001, 1.5]) {
      expect((await keyStoreRejection(FileKeyStore.open({ path: file, pollIntervalMs }))).reason).toBe('invalid-argument');
    }
  });

  it('stops watching on close: later file changes fire nothing', async () => {
    const file = path.join(tempDir(), 'keys.json');
    const server = await openStore({ path: file, pollIntervalMs: 20 });
    const { apiKey } = await server.create({ userId: 'u', plan: 'pro' });
    const events: string[] = [];
    server.onRevoked(() => events.push('revoked'));
    server.onError(() => events.push('error'));
    await server.close();
    await server.close();
    const cli = await openStore({ path: file, watch: false });
    await cli.revoke(apiKey);
    fs.writeFileSync(file, 'garbage');
    await server.reload();
    expect(events).toEqual([]);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WatchedJsonFile, type WatchedJsonFileErrorReason, type WatchedJsonFileOptions } from './watched-json-file';
import { eventually } from '@mdg/testing';

/** Stands in for KeyStoreError / TokenStoreError: the file must raise the owner's type. */
class TestStoreError extends Error {
  constructor(
    readonly reason: WatchedJsonFileErrorReason | 'corrupt' | 'closed',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

/** An owner with the same contract as LocalKeyStore / LocalTokenRegistry, recording what it is told. */
class TestOwner {
  table: ReadonlyMap<string, string> = new Map();
  readonly adopted: ReadonlyMap<string, string>[] = [];
  readonly errors: TestStoreError[] = [];
  closed = false;
  current(): ReadonlyMap<string, string> {
    return this.table;
  }
  adopt(table: ReadonlyMap<string, string>): void {
    this.table = table;
    this.adopted.push(table);
  }
  reportError(error: TestStoreError): void {
    this.errors.push(error);
  }
  isClosed(): boolean {
    return this.closed;
  }
  assertOpen(): void {
    if (this.closed) throw new TestStoreError('closed', 'closed');
  }
}

/** `{"rows":{"id":"value"}}`; anything else is `corrupt`, as the real file formats report it. */
function parse(text: string, source: string): Map<string, string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TestStoreError('corrupt', `${source} is not valid JSON`, { cause: error });
  }
  const rows = (data as { rows?: unknown }).rows;
  if (typeof rows !== 'object' || rows === null) throw new TestStoreError('corrupt', `${source} has no rows`);
  return new Map(Object.entries(rows as Record<string, string>));
}

const dirs: string[] = [];
const files: WatchedJsonFile<string, TestStoreError>[] = [];

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mdg-file-store-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'rows.json');
}

function create(
  owner: TestOwner,
  file: string,
  options: Partial<WatchedJsonFileOptions<string, TestStoreError>> = {},
): WatchedJsonFile<string, TestStoreError> {
  const watched = new WatchedJsonFile<string, TestStoreError>({
    path: file,
    fileMode: 0o640,
    directoryMode: 0o750,
    pollIntervalMs: 20,
    parse,
    serialize: (table) => `${JSON.stringify({ rows: Object.fromEntries(table) })}\n`,
    createError: (reason, detail, errorOptions) => new TestStoreError(reason, detail, errorOptions),
    isError: (error): error is TestStoreError => error instanceof TestStoreError,
    rowsName: 'rows',
    writerCommand: 'test rows',
    owner,
    ...options,
  });
  files.push(watched);
  return watched;
}

const put = (id: string, value: string) => (table: ReadonlyMap<string, string>) => ({ result: value, next: new Map(table).set(id, value) });

afterEach(async () => {
  await Promise.all(files.splice(0).map((file) => file.close()));
});

afterAll(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('WatchedJsonFile', () => {
  it('rejects a poll interval out of range with the owner error type', () => {
    expect(() => create(new TestOwner(), tempFile(), { pollIntervalMs: 5 })).toThrow(TestStoreError);
    expect(() => create(new TestOwner(), tempFile(), { pollIntervalMs: 5 })).toThrow('pollIntervalMs must be an integer 10..1000, got 5');
  });

  it('opens a missing file as nothing, then writes atomically with exact modes and no leftovers', async () => {
    const owner = new TestOwner();
    const file = tempFile();
    const watched = create(owner, file);
    await watched.open();
    expect(owner.adopted).toEqual([]);
    await expect(watched.transact(put('a', 'one'))).resolves.toBe('one');
    expect(owner.table).toEqual(new Map([['a', 'one']]));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ rows: { a: 'one' } });
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o750 & ~process.umask());
    expect(fs.readdirSync(path.dirname(file))).toEqual(['rows.json']);
  });

  it('applies a mutation to what another writer stored, not to its stale copy', async () => {
    const file = tempFile();
    const first = new TestOwner();
    const second = new TestOwner();
    const a = create(first, file, { watch: false });
    const b = create(second, file, { watch: false });
    await a.open();
    await b.open();
    await a.transact(put('a', 'one'));
    await b.transact(put('b', 'two'));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ rows: { a: 'one', b: 'two' } });
  });

  it('reloads external changes through polling', async () => {
    const owner = new TestOwner();
    const file = tempFile();
    await create(owner, file).open();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Replaced like real writers do: a poll must not catch a half-written file between truncate and write.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ rows: { x: 'external' } }));
    fs.renameSync(`${file}.tmp`, file);
    await eventually(() => owner.table.get('x') === 'external', { what: 'the external write seen by the owner', timeoutMs: 3000 });
  });

  it('keeps the last good state on a corrupt file and refuses to overwrite it', async () => {
    const owner = new TestOwner();
    const file = tempFile();
    const watched = create(owner, file, { watch: false });
    await watched.open();
    await watched.transact(put('a', 'one'));
    fs.writeFileSync(file, '{ not json');
    await watched.reload();
    expect(owner.errors.map((error) => error.reason)).toEqual(['corrupt']);
    expect(owner.table).toEqual(new Map([['a', 'one']]));
    await expect(watched.transact(put('b', 'two'))).rejects.toMatchObject({ reason: 'corrupt' });
    expect(fs.readFileSync(file, 'utf8')).toBe('{ not json');
  });

  it('reports a vanished file and rebuilds it from the last good state on the next write', async () => {
    const owner = new TestOwner();
    const file = tempFile();
    const watched = create(owner, file, { watch: false });
    await watched.open();
    await watched.transact(put('a', 'one'));
    fs.rmSync(file);
    await watched.reload();
    expect(owner.errors).toHaveLength(1);
    expect(owner.errors[0]!.reason).toBe('io');
    expect(owner.errors[0]!.message).toContain('disappeared; keeping the last good rows');
    await watched.transact(() => ({ result: undefined }));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ rows: { a: 'one' } });
  });

  it('waits for a held lock, fails with locked after the timeout, and breaks a stale one', async () => {
    const owner = new TestOwner();
    const file = tempFile();
    const watched = create(owner, file, { watch: false, lockTimeoutMs: 100, staleLockMs: 60_000 });
    await watched.open();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.lock`, '1\n');
    await expect(watched.transact(put('a', 'one'))).rejects.toMatchObject({ reason: 'locked' });
    await expect(watched.transact(put('a', 'one'))).rejects.toThrow('remove it if no test rows command is running');

    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(`${file}.lock`, old, old);
    await expect(watched.transact(put('a', 'one'))).resolves.toBe('one');
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('wraps an unreadable file in the owner io error on open', async () => {
    const file = tempFile();
    fs.mkdirSync(file, { recursive: true }); // a directory where the file should be: EISDIR
    await expect(create(new TestOwner(), file).open()).rejects.toMatchObject({ reason: 'io' });
  });

  it('ignores reloads once the owner is closed and checks the owner before writing', async () => {
    const owner = new TestOwner();
    const file = tempFile();
    const watched = create(owner, file, { watch: false });
    await watched.open();
    owner.closed = true;
    await watched.close();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ rows: { x: 'late' } }));
    await watched.reload();
    expect(owner.adopted).toEqual([]);
    await expect(watched.transact(put('a', 'one'))).rejects.toMatchObject({ reason: 'closed' });
  });
});

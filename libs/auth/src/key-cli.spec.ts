import { ManualClock } from '@mdg/model';
import { KEYS_USAGE, runKeysCommand } from './key-cli';
import { MemoryKeyStore } from './memory-key-store';

const START = Date.UTC(2025, 3, 30, 15, 16);

describe('runKeysCommand', () => {
  let store: MemoryKeyStore;
  let clock: ManualClock;
  let lines: string[];

  async function run(...args: string[]): Promise<number> {
    lines = [];
    return runKeysCommand(args, store, (line) => lines.push(line));
  }

  const printedKey = (): string => {
    const keys = lines.join('\n').match(/ci_(live|test)_[0-9A-Za-z]{32}/g) ?? [];
    expect(keys).toHaveLength(1);
    return keys[0]!;
  };

  beforeEach(() => {
    clock = new ManualClock(START);
    store = new MemoryKeyStore({ clock });
    lines = [];
  });

  afterEach(async () => {
    await store.close();
  });

  describe('create', () => {
    it('prints the new key exactly once, with a warning that it cannot be shown again', async () => {
      expect(await run('create', '--user', 'alice', '--plan', 'pro')).toBe(0);
      const key = printedKey();
      expect(key.startsWith('ci_live_')).toBe(true);
      expect(lines.join('\n')).toContain('cannot be shown again');
      expect(lines.filter((line) => line.includes(key))).toHaveLength(1);
      expect(await store.verify(key)).toMatchObject({ ok: true, record: { userId: 'alice', plan: 'pro', planActive: true, mode: 'live' } });
    });

    it('creates test keys, inactive plans, and accepts --name=value and a leading "keys"', async () => {
      expect(await run('keys', 'create', '--user=bob', '--plan=free', '--test', '--inactive')).toBe(0);
      const key = printedKey();
      expect(key.startsWith('ci_test_')).toBe(true);
      expect(await store.verify(key)).toMatchObject({ ok: true, record: { userId: 'bob', plan: 'free', planActive: false, mode: 'test' } });
    });
  });

  describe('list', () => {
    it('shows a table of prefixes, users, plans, modes and dates, never a secret', async () => {
      await run('create', '--user', 'alice', '--plan', 'pro');
      const alice = printedKey();
      clock.advance(60_000);
      await run('create', '--user', 'bob', '--plan', 'free', '--test');
      const bob = printedKey();
      clock.advance(60_000);
      await run('revoke', alice);

      expect(await run('list')).toBe(0);
      const text = lines.join('\n');
      expect(text).not.toContain(alice);
      expect(text).not.toContain(bob);
      expect(text).not.toContain(alice.slice(14));
      expect(lines[0]).toMatch(/^PREFIX\s+USER\s+PLAN\s+MODE\s+CREATED\s+REVOKED$/);
      const [aliceRow, bobRow] = [lines[1]!, lines[2]!];
      expect(aliceRow.split(/\s+/)).toEqual([alice.slice(0, 14), 'alice', 'pro', 'live', '2025-04-30T15:16:00.000Z', '2025-04-30T15:18:00.000Z']);
      expect(bobRow.split(/\s+/)).toEqual([bob.slice(0, 14), 'bob', 'free', 'test', '2025-04-30T15:17:00.000Z', '-']);
      expect(lines[3]).toBe('2 key(s), 1 active.');
      // Columns line up.
      expect(aliceRow.indexOf('alice')).toBe(lines[0]!.indexOf('USER'));
      expect(bobRow.indexOf('bob')).toBe(lines[0]!.indexOf('USER'));
    });

    it('says so when there are no keys', async () => {
      expect(await run('list')).toBe(0);
      expect(lines).toEqual(['No API keys.']);
    });
  });

  describe('revoke', () => {
    it('revokes by prefix and by whole key without echoing the key', async () => {
      await run('create', '--user', 'alice', '--plan', 'pro');
      const first = printedKey();
      await run('create', '--user', 'alice', '--plan', 'pro');
      const second = printedKey();

      expect(await run('revoke', first.slice(0, 14))).toBe(0);
      expect(lines.join('\n')).toContain(`Key ${first.slice(0, 14)} (user alice) is revoked since 2025-04-30T15:16:00.000Z`);
      expect((await store.verify(first)).ok).toBe(false);

      expect(await run('revoke', second)).toBe(0);
      expect(lines.join('\n')).not.toContain(second);
      expect((await store.verify(second)).ok).toBe(false);
    });

    it('fails with exit code 1 when nothing matches, without echoing a whole key', async () => {
      const unknown = 'ci_live_' + 'Q'.repeat(32);
      expect(await run('revoke', unknown)).toBe(1);
      expect(lines).toEqual(['error: no key matches ci_live_QQQQQQ…']);
      expect(await run('revoke', 'ci_live_nope00')).toBe(1);
    });
  });

  describe('plan', () => {
    it('changes the plan of every key of a user', async () => {
      await run('create', '--user', 'alice', '--plan', 'free');
      const key = printedKey();
      expect(await run('plan', '--user', 'alice', '--plan', 'pro')).toBe(0);
      expect(lines).toEqual(['User alice: 1 key(s) now on plan pro.']);
      expect(await store.verify(key)).toMatchObject({ ok: true, record: { plan: 'pro', planActive: true } });
      expect(await run('plan', '--user', 'alice', '--plan', 'pro', '--inactive')).toBe(0);
      expect(lines).toEqual(['User alice: 1 key(s) now on plan pro (inactive).']);
      expect(await run('plan', '--user', 'nobody', '--plan', 'pro')).toBe(1);
    });
  });

  it('prints the usage for help, exit 0', async () => {
    for (const word of ['help', '--help', '-h']) {
      expect(await run(word)).toBe(0);
      expect(lines).toEqual([KEYS_USAGE]);
    }
  });

  it.each<[string[], string]>([
    [[], 'missing command'],
    [['keys'], 'missing command'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['create'], '--user is required'],
    [['create', '--user', 'alice'], '--plan is required'],
    [['create', '--user', 'alice', '--plan', 'gold'], '--plan must be pro or free, got "gold"'],
    [['create', '--user', '--plan', 'pro'], '--user needs a value'],
    [['create', '--user=', '--plan', 'pro'], '--user needs a value'],
    [['create', '--user', 'alice', '--plan'], '--plan needs a value'],
    [['create', '--user', 'alice', '--plan', 'pro', '--admin'], 'unknown option --admin'],
    [['create', '--user', 'alice', '--user', 'bob', '--plan', 'pro'], '--user given twice'],
    [['create', '--user', 'alice', '--plan', 'pro', '--test=yes'], '--test takes no value'],
    [['create', '--user', 'alice', '--plan', 'pro', 'extra'], 'unexpected argument "extra"'],
    [['create', '--user', 'not valid!', '--plan', 'pro'], 'userId must be'],
    [['revoke'], 'missing KEY_OR_PREFIX'],
    [['revoke', 'a', 'b'], 'unexpected argument "b"'],
    [['revoke', '--user', 'a'], 'unknown option --user'],
    [['list', 'all'], 'unexpected argument "all"'],
    [['list', '--test'], 'unknown option --test'],
    [['plan', '--user', 'alice'], '--plan is required'],
    [['plan', '--user', 'alice', '--plan', 'pro', '--test'], 'unknown option --test'],
  ])('usage error %j → exit 2 with the message and the usage', async (args, message) => {
    expect(await run(...args)).toBe(2);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(message);
    expect(lines[1]).toBe(KEYS_USAGE);
    expect(await store.list()).toEqual([]);
  });

  it('reports store failures with exit code 1', async () => {
    await store.close();
    expect(await run('list')).toBe(1);
    expect(lines[0]).toContain('Key store error (closed)');
  });
});

describe('keys create --scope', () => {
  it('stores the scopes on the record (ingest keys)', async () => {
    const { MemoryKeyStore } = await import('./memory-key-store');
    const store = new MemoryKeyStore();
    const lines: string[] = [];
    expect(await runKeysCommand(['keys', 'create', '--user', 'indexer', '--plan', 'free', '--scope', 'ingest'], store, (line) => lines.push(line))).toBe(0);
    const [record] = await store.list();
    expect(record!.scopes).toEqual(['ingest']);
    expect(lines[0]).toContain('scopes ingest');
    await store.close();
  });
});

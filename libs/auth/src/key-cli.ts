import { CliUsageError, formatColumns, parseCliArgs, requireOption, type ParsedCliArgs } from '@mdg/cli-args';
import { KeyStoreError } from '@mdg/model';
import { apiKeyPrefix, isWellFormedApiKey } from './api-key';
import type { ApiKeyRecord, KeyStore, Plan } from './key-store';

export const KEYS_USAGE = [
  'Usage: mdg keys <command>',
  '  keys create --user USER --plan pro|free [--test] [--inactive] [--scope ingest]   create a key; it is shown once',
  '  keys revoke KEY_OR_PREFIX                                      revoke by whole key, prefix (ci_live_AbC123) or hash',
  '  keys list                                                      list keys (prefixes only, never secrets)',
  '  keys plan --user USER --plan pro|free [--inactive]             change the plan of every key of a user',
  '  keys help                                                      show this help',
].join('\n');

/** Exit codes: 0 done, 1 failed (nothing matched, store error), 2 bad arguments. */
export const KEYS_EXIT = { ok: 0, failed: 1, usage: 2 } as const;

type ParsedArgs = ParsedCliArgs;

const FLAG_OPTIONS: ReadonlySet<string> = new Set(['test', 'inactive']);

/**
 * `mdg keys ...`: create, revoke, list and re-plan API keys. `args` are the words after
 * `keys` (a leading `keys` is accepted too). Every line goes to `out`; the whole key is
 * printed once, by `create`, and nowhere else. Returns the process exit code.
 */
export async function runKeysCommand(args: readonly string[], store: KeyStore, out: (line: string) => void): Promise<number> {
  const words = args[0] === 'keys' ? args.slice(1) : [...args];
  const [command, ...rest] = words;
  try {
    switch (command) {
      case 'create':
        return await create(parse(rest, ['user', 'plan', 'test', 'inactive', 'scope'], 0), store, out);
      case 'revoke':
        return await revoke(parse(rest, [], 1), store, out);
      case 'list':
        return await list(parse(rest, [], 0), store, out);
      case 'plan':
        return await plan(parse(rest, ['user', 'plan', 'inactive'], 0), store, out);
      case 'help':
      case '--help':
      case '-h':
        out(KEYS_USAGE);
        return KEYS_EXIT.ok;
      case undefined:
        throw new CliUsageError('missing command');
      default:
        throw new CliUsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof CliUsageError || (error instanceof KeyStoreError && error.reason === 'invalid-argument')) {
      out(`error: ${error.message}`);
      out(KEYS_USAGE);
      return KEYS_EXIT.usage;
    }
    if (error instanceof KeyStoreError) {
      out(`error: ${error.message}`);
      return KEYS_EXIT.failed;
    }
    throw error;
  }
}

async function create(args: ParsedArgs, store: KeyStore, out: (line: string) => void): Promise<number> {
  const userId = requireOption(args, 'user');
  const planName = requirePlan(args);
  const mode = args.options.has('test') ? 'test' : 'live';
  const planActive = !args.options.has('inactive');
  const scope = args.options.get('scope');
  const scopes =
    typeof scope === 'string'
      ? scope
          .split(',')
          .map((one) => one.trim())
          .filter((one) => one.length > 0)
      : undefined;
  const { apiKey, record } = await store.create({ userId, plan: planName, planActive, mode, scopes });
  out(`Created a ${mode} API key for user ${record.userId} (plan ${describePlan(record)}${scopes ? `, scopes ${scopes.join(',')}` : ''}):`);
  out('');
  out(`  ${apiKey}`);
  out('');
  out('Store it now: it cannot be shown again (only its SHA-256 hash is kept).');
  out(`Revoke it with: keys revoke ${record.keyPrefix}`);
  return KEYS_EXIT.ok;
}

async function revoke(args: ParsedArgs, store: KeyStore, out: (line: string) => void): Promise<number> {
  const reference = args.positional[0]!;
  const record = await store.revoke(reference);
  // Never echo a whole key back: show its prefix.
  const shown = isWellFormedApiKey(reference) ? `${apiKeyPrefix(reference)}…` : reference;
  if (record === undefined) {
    out(`error: no key matches ${shown}`);
    return KEYS_EXIT.failed;
  }
  const revokedAt = new Date(record.revokedAt ?? 0).toISOString();
  out(`Key ${record.keyPrefix} (user ${record.userId}) is revoked since ${revokedAt}; live connections using it are closed.`);
  return KEYS_EXIT.ok;
}

async function list(_args: ParsedArgs, store: KeyStore, out: (line: string) => void): Promise<number> {
  const records = await store.list();
  if (records.length === 0) {
    out('No API keys.');
    return KEYS_EXIT.ok;
  }
  const rows = [
    ['PREFIX', 'USER', 'PLAN', 'MODE', 'CREATED', 'REVOKED'],
    ...records.map((record) => [
      record.keyPrefix,
      record.userId,
      describePlan(record),
      record.mode,
      new Date(record.createdAt).toISOString(),
      record.revokedAt === undefined ? '-' : new Date(record.revokedAt).toISOString(),
    ]),
  ];
  for (const line of formatColumns(rows)) out(line);
  const active = records.filter((record) => record.revokedAt === undefined).length;
  out(`${records.length} key(s), ${active} active.`);
  return KEYS_EXIT.ok;
}

async function plan(args: ParsedArgs, store: KeyStore, out: (line: string) => void): Promise<number> {
  const userId = requireOption(args, 'user');
  const planName = requirePlan(args);
  const planActive = !args.options.has('inactive');
  const updated = await store.setPlan(userId, { plan: planName, planActive });
  if (updated.length === 0) {
    out(`error: user ${userId} has no active keys`);
    return KEYS_EXIT.failed;
  }
  out(`User ${userId}: ${updated.length} key(s) now on plan ${describePlan({ plan: planName, planActive })}.`);
  return KEYS_EXIT.ok;
}

function describePlan(record: Pick<ApiKeyRecord, 'plan' | 'planActive'>): string {
  return record.planActive ? record.plan : `${record.plan} (inactive)`;
}

function requirePlan(args: ParsedArgs): Plan {
  const value = requireOption(args, 'plan');
  if (value !== 'pro' && value !== 'free') throw new CliUsageError(`--plan must be pro or free, got ${JSON.stringify(value)}`);
  return value;
}

/** The keys commands take at most one positional word, a key or prefix to revoke. */
function parse(words: readonly string[], allowed: readonly string[], positionalCount: number): ParsedArgs {
  return parseCliArgs(words, { allowed, flags: FLAG_OPTIONS, positionalCount, positionalName: 'KEY_OR_PREFIX' });
}

import { KeyStoreError } from '@mdg/model';
import type { ApiKeyRecord } from './key-store';

/** Version of the keys file layout: `{ "version": 1, "keys": [ApiKeyRecord, ...] }`. */
export const KEY_FILE_VERSION = 1;

const KEY_HASH = /^[0-9a-f]{64}$/;
const KEY_PREFIX = /^ci_(live|test)_[0-9A-Za-z]{1,16}$/;

/** Parses a keys file; throws KeyStoreError('corrupt') naming the first problem. */
export function parseKeyFile(text: string, source: string): Map<string, ApiKeyRecord> {
  const corrupt = (problem: string): KeyStoreError =>
    new KeyStoreError('corrupt', `${source} is not a valid keys file: ${problem} (expected {"version":${KEY_FILE_VERSION},"keys":[...]})`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new KeyStoreError('corrupt', `${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw corrupt('not a JSON object');
  const file = data as Record<string, unknown>;
  if (file['version'] !== KEY_FILE_VERSION) throw corrupt(`unsupported version ${JSON.stringify(file['version'])}`);
  const keys = file['keys'];
  if (!Array.isArray(keys)) throw corrupt('"keys" is not an array');
  const table = new Map<string, ApiKeyRecord>();
  keys.forEach((entry: unknown, index) => {
    const problem = recordProblem(entry);
    if (problem !== undefined) throw corrupt(`keys[${index}]: ${problem}`);
    const record = toRecord(entry as Record<string, unknown>);
    if (table.has(record.keyHash)) throw corrupt(`keys[${index}]: duplicate keyHash`);
    table.set(record.keyHash, record);
  });
  return table;
}

/** The file text for a table: stable order (oldest first), two-space indent, trailing newline. */
export function serializeKeyFile(records: Iterable<ApiKeyRecord>): string {
  const keys = [...records].sort(compareRecords);
  return `${JSON.stringify({ version: KEY_FILE_VERSION, keys }, null, 2)}\n`;
}

export function compareRecords(a: ApiKeyRecord, b: ApiKeyRecord): number {
  return a.createdAt - b.createdAt || (a.keyPrefix < b.keyPrefix ? -1 : a.keyPrefix > b.keyPrefix ? 1 : 0);
}

function recordProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'not an object';
  const r = entry as Record<string, unknown>;
  if (typeof r['keyHash'] !== 'string' || !KEY_HASH.test(r['keyHash'])) return 'keyHash must be 64 lower-case hex characters';
  if (typeof r['keyPrefix'] !== 'string' || !KEY_PREFIX.test(r['keyPrefix'])) return 'keyPrefix must look like ci_live_AbC123';
  if (typeof r['userId'] !== 'string' || r['userId'].length === 0) return 'userId must be a non-empty string';
  if (r['plan'] !== 'pro' && r['plan'] !== 'free') return 'plan must be "pro" or "free"';
  if (typeof r['planActive'] !== 'boolean') return 'planActive must be a boolean';
  if (r['mode'] !== 'live' && r['mode'] !== 'test') return 'mode must be "live" or "test"';
  if (!r['keyPrefix'].startsWith(`ci_${r['mode']}_`)) return 'keyPrefix does not match mode';
  if (!isTime(r['createdAt'])) return 'createdAt must be unix milliseconds';
  if (r['revokedAt'] !== undefined && !isTime(r['revokedAt'])) return 'revokedAt must be unix milliseconds';
  const scopes = r['scopes'];
  if (scopes !== undefined && (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string'))) return 'scopes must be an array of strings';
  return undefined;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A frozen record with only the known fields (unknown fields in the file are dropped). */
export function toRecord(r: Record<string, unknown> | ApiKeyRecord): ApiKeyRecord {
  const source = r as ApiKeyRecord;
  const record: { -readonly [K in keyof ApiKeyRecord]: ApiKeyRecord[K] } = {
    keyHash: source.keyHash,
    keyPrefix: source.keyPrefix,
    userId: source.userId,
    plan: source.plan,
    planActive: source.planActive,
    mode: source.mode,
    createdAt: source.createdAt,
  };
  if (source.revokedAt !== undefined) record.revokedAt = source.revokedAt;
  if (source.scopes !== undefined) record.scopes = Object.freeze([...source.scopes]);
  return Object.freeze(record);
}

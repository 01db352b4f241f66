import type { ApiKeyRecord } from '@mdg/auth';
import { KeyStoreError } from '@mdg/model';

const KEY_HASH = /^[0-9a-f]{64}$/;
const KEY_PREFIX = /^ci_(live|test)_[0-9A-Za-z]{1,16}$/;

/** The fields of a record's Redis hash, as a flat [field, value, ...] list (HSET order). */
export function encodeKeyRecord(record: ApiKeyRecord): string[] {
  const fields = [
    'keyHash',
    record.keyHash,
    'keyPrefix',
    record.keyPrefix,
    'userId',
    record.userId,
    'plan',
    record.plan,
    'planActive',
    record.planActive ? '1' : '0',
    'mode',
    record.mode,
    'createdAt',
    String(record.createdAt),
  ];
  if (record.revokedAt !== undefined) fields.push('revokedAt', String(record.revokedAt));
  if (record.scopes !== undefined) fields.push('scopes', JSON.stringify(record.scopes));
  return fields;
}

/** A frozen record from a hash's flat field list; throws KeyStoreError('corrupt') naming the problem. */
export function decodeKeyRecord(flat: readonly string[], where: string): ApiKeyRecord {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
  const corrupt = (problem: string): KeyStoreError => new KeyStoreError('corrupt', `${where} is not a valid key record: ${problem}`);
  const keyHash = fields.get('keyHash');
  const keyPrefix = fields.get('keyPrefix');
  const userId = fields.get('userId');
  const plan = fields.get('plan');
  const planActive = fields.get('planActive');
  const mode = fields.get('mode');
  if (keyHash === undefined || !KEY_HASH.test(keyHash)) throw corrupt('keyHash must be 64 lower-case hex characters');
  if (keyPrefix === undefined || !KEY_PREFIX.test(keyPrefix)) throw corrupt('keyPrefix must look like ci_live_AbC123');
  if (userId === undefined || userId === '') throw corrupt('userId must be a non-empty string');
  if (plan !== 'pro' && plan !== 'free') throw corrupt('plan must be "pro" or "free"');
  if (planActive !== '1' && planActive !== '0') throw corrupt('planActive must be 1 or 0');
  if (mode !== 'live' && mode !== 'test') throw corrupt('mode must be "live" or "test"');
  if (!keyPrefix.startsWith(`ci_${mode}_`)) throw corrupt('keyPrefix does not match mode');
  const createdAt = time(fields.get('createdAt'));
  if (createdAt === undefined) throw corrupt('createdAt must be unix milliseconds');
  const record: { -readonly [K in keyof ApiKeyRecord]: ApiKeyRecord[K] } = {
    keyHash,
    keyPrefix,
    userId,
    plan,
    planActive: planActive === '1',
    mode,
    createdAt,
  };
  if (fields.has('revokedAt')) {
    const revokedAt = time(fields.get('revokedAt'));
    if (revokedAt === undefined) throw corrupt('revokedAt must be unix milliseconds');
    record.revokedAt = revokedAt;
  }
  const scopesText = fields.get('scopes');
  if (scopesText !== undefined) {
    let scopes: unknown;
    try {
      scopes = JSON.parse(scopesText);
    } catch (error) {
      throw new KeyStoreError('corrupt', `${where} is not a valid key record: scopes is not JSON`, { cause: error });
    }
    if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string')) throw corrupt('scopes must be an array of strings');
    record.scopes = Object.freeze([...scopes]);
  }
  return Object.freeze(record);
}

function time(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

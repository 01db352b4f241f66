import { isWellFormedApiKey } from './api-key';
import { hasActivePro, type ApiKeyRecord, type KeyStore } from './key-store';

export type AccessVerdict = { readonly ok: true; readonly record: ApiKeyRecord } | { readonly ok: false; readonly reason: 'AUTH_FAILED' | 'PRO_REQUIRED' };

export interface AccessRequirement {
  /** `/api-ws` requires an active Pro plan; `/ws/chart-live` accepts any plan. */
  requirePro: boolean;
}

/**
 * The one authentication decision both endpoints share. `apiKey` is whatever the client sent
 * (handshake field, header, query): anything that is not a well-formed key is refused without
 * touching the store. Store failures reject (the caller decides how to answer them).
 */
export async function authenticateApiKey(store: KeyStore, apiKey: unknown, requirement: AccessRequirement): Promise<AccessVerdict> {
  if (!isWellFormedApiKey(apiKey)) return { ok: false, reason: 'AUTH_FAILED' };
  const verdict = await store.verify(apiKey);
  if (!verdict.ok) return verdict;
  if (requirement.requirePro && !hasActivePro(verdict.record)) return { ok: false, reason: 'PRO_REQUIRED' };
  return verdict;
}

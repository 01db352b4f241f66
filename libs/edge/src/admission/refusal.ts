/**
 * Why an endpoint refused a connection: the stable code a client sees (`err.data.code` on
 * `/api-ws`, the error message's `code` on `/ws/chart-live`) and, per code, what the adapter
 * needs to word its message. One vocabulary for both protocols, so stats and metrics read alike.
 */
export type RefusalCode = 'AUTH_FAILED' | 'AUTH_RATE_LIMITED' | 'PRO_REQUIRED' | 'CONNECTION_LIMIT' | 'SERVICE_UNAVAILABLE';

export const REFUSAL_CODES: readonly RefusalCode[] = Object.freeze(['AUTH_FAILED', 'AUTH_RATE_LIMITED', 'PRO_REQUIRED', 'CONNECTION_LIMIT', 'SERVICE_UNAVAILABLE']);

/** Why a key does not authenticate (one code, AUTH_FAILED; the cause only picks the message). */
export type AuthFailureCause = 'missing_key' | 'invalid_key' | 'key_revoked' | 'plan_inactive';

/** Which backing service failed (the key itself may be fine: retry later). */
export type UnavailableCause = 'key_store' | 'connection_registry' | 'shutting_down';

export type Refusal =
  | { readonly code: 'AUTH_FAILED'; readonly cause: AuthFailureCause }
  | { readonly code: 'AUTH_RATE_LIMITED'; readonly retryAfterMs: number }
  | { readonly code: 'PRO_REQUIRED' }
  | { readonly code: 'CONNECTION_LIMIT'; readonly limit: number }
  | { readonly code: 'SERVICE_UNAVAILABLE'; readonly cause: UnavailableCause };

/** A zero for every refusal code (stats records list every code, so metrics labels stay fixed). */
export function emptyRefusalCounts(): Record<RefusalCode, number> {
  return { AUTH_FAILED: 0, AUTH_RATE_LIMITED: 0, PRO_REQUIRED: 0, CONNECTION_LIMIT: 0, SERVICE_UNAVAILABLE: 0 };
}

import type { RefusalCode } from '@mdg/protocol';

/**
 * Why an endpoint refused a connection: the stable wire code a client sees (@mdg/protocol's
 * RefusalCode: `err.data.code` on `/api-ws`, the error's `code` on `/ws/chart-live`) and, per
 * code, what the adapter needs to word its message. One vocabulary for both protocols, so
 * stats and metrics read alike.
 */
export type { RefusalCode };

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

/**
 * Why a connection was refused, on either protocol: `err.data.code` of an `/api-ws`
 * `connect_error`, the `code` of the error a `/ws/chart-live` client gets before the close.
 * Every one is registered in @mdg/model's ERROR_CODES.
 */
export type RefusalCode = 'AUTH_FAILED' | 'AUTH_RATE_LIMITED' | 'PRO_REQUIRED' | 'CONNECTION_LIMIT' | 'SERVICE_UNAVAILABLE';

export const REFUSAL_CODES: readonly RefusalCode[] = Object.freeze([
  'AUTH_FAILED',
  'AUTH_RATE_LIMITED',
  'PRO_REQUIRED',
  'CONNECTION_LIMIT',
  'SERVICE_UNAVAILABLE',
]);

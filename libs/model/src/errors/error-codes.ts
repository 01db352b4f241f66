/**
 * The one registry of stable error codes. Codes are part of the public contract
 * (clients switch on them), so a code is never renamed or reused; error-codes.spec.ts
 * keeps this table and the error classes honest.
 */
export const ERROR_CODES = {
  INVALID_TRADE: 'A trade failed validation at the boundary',
  UNKNOWN_INSTRUMENT: 'The instrument id is not in the registry',
  INVALID_INSTRUMENT: 'An instrument definition is malformed',
  INVALID_CONFIG: 'Configuration failed validation',
  INVALID_FEED_INPUT: 'A feed could not parse its input',
  AUTH_FAILED: 'API key missing, malformed, unknown or revoked',
  PRO_REQUIRED: 'The key belongs to a user without an active Pro plan',
  CONNECTION_LIMIT: 'The user already holds the maximum number of live connections',
  AUTH_RATE_LIMITED: 'Too many failed authentication attempts from this address',
  INVALID_JSON: 'The message is not JSON, or not a JSON object',
  MISSING_TOKEN: 'The subscription has no non-empty string tokenAddress',
  INVALID_TIMEFRAME: 'The timeframe is not a supported one',
  TOKEN_NOT_TRACKED: 'The token address is not a tracked instrument',
  INVALID_PAYLOAD: 'A message payload has the wrong shape',
  UNKNOWN_SYMBOL: 'A price symbol is not supported',
  RATE_LIMITED: 'Too many inbound messages per second',
  TOO_MANY_SUBSCRIPTIONS: 'The per-connection subscription limit is reached',
  MESSAGE_TOO_LARGE: 'The inbound message exceeds the size limit',
  INVALID_HISTORY: 'The history or since value is invalid',
  KEY_STORE_ERROR: 'The key store could not be read or written',
  SERVICE_UNAVAILABLE: 'A backing service (key store, connection registry, bus) failed; retry later',
  VENUE_CONNECTION: 'An exchange WebSocket connection failed or closed unexpectedly; the feed reconnects',
  VENUE_STALE: 'An exchange stream delivered nothing within its watchdog window; the feed reconnects',
  VENUE_REJECTED: 'An exchange answered with an error (a refused subscription, a protocol error)',
  BUS_ERROR: 'The market bus could not publish, subscribe to or decode a message',
  HISTORY_GAP: 'Final candles between the history and the live stream could not be recovered from the candle store',
  HISTORY_STORE_ERROR: 'The candle store could not be read or written',
  TOKEN_STORE_ERROR: 'The token registration store could not be read or written, or refused a request',
  INGEST_FORBIDDEN: 'The API key is valid but lacks the ingest scope',
  UNSUPPORTED_MEDIA_TYPE: 'The request body has a content type the endpoint does not accept',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

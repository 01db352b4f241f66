/**
 * Who can see a code. `client`: sent to API clients (chart-live error messages, /api-ws
 * connect errors and acks, POST /ingest/trades answers), so it is documented in the README's
 * "Error codes" table. `operator`: only in logs, CLI output and metrics.
 */
export type ErrorAudience = 'client' | 'operator';

/**
 * The one registry of stable error codes. Codes are part of the public contract
 * (clients switch on them), so a code is never renamed or reused; error-codes.spec.ts
 * keeps this table, the error classes, the README and the source honest.
 */
export const ERROR_CODES = {
  INVALID_TRADE: { audience: 'client', meaning: 'A trade failed validation at the boundary' },
  UNKNOWN_INSTRUMENT: { audience: 'client', meaning: 'The instrument id is not in the registry' },
  INVALID_INSTRUMENT: { audience: 'operator', meaning: 'An instrument definition is malformed' },
  INVALID_CONFIG: { audience: 'operator', meaning: 'Configuration failed validation' },
  INVALID_FEED_INPUT: { audience: 'operator', meaning: 'A feed could not parse its input' },
  AUTH_FAILED: { audience: 'client', meaning: 'API key missing, malformed, unknown or revoked' },
  PRO_REQUIRED: { audience: 'client', meaning: 'The key belongs to a user without an active Pro plan' },
  CONNECTION_LIMIT: { audience: 'client', meaning: 'The user already holds the maximum number of live connections' },
  AUTH_RATE_LIMITED: { audience: 'client', meaning: 'Too many failed authentication attempts from this address' },
  INVALID_JSON: { audience: 'client', meaning: 'The message is not JSON, or not a JSON object' },
  MISSING_TOKEN: { audience: 'client', meaning: 'The subscription has no non-empty string tokenAddress' },
  INVALID_TIMEFRAME: { audience: 'client', meaning: 'The timeframe is not a supported one' },
  TOKEN_NOT_TRACKED: { audience: 'client', meaning: 'The token address is not a tracked instrument' },
  INVALID_PAYLOAD: { audience: 'client', meaning: 'A message payload has the wrong shape' },
  UNKNOWN_SYMBOL: { audience: 'client', meaning: 'A price symbol is not supported' },
  RATE_LIMITED: { audience: 'client', meaning: 'Too many inbound messages per second' },
  TOO_MANY_SUBSCRIPTIONS: { audience: 'client', meaning: 'The per-connection subscription limit is reached' },
  MESSAGE_TOO_LARGE: { audience: 'client', meaning: 'The inbound message exceeds the size limit' },
  INVALID_HISTORY: { audience: 'client', meaning: 'The history or since value is invalid' },
  KEY_STORE_ERROR: { audience: 'operator', meaning: 'The key store could not be read or written' },
  SERVICE_UNAVAILABLE: { audience: 'client', meaning: 'A backing service (key store, connection registry, bus) failed; retry later' },
  VENUE_CONNECTION: { audience: 'operator', meaning: 'An exchange WebSocket connection failed or closed unexpectedly; the feed reconnects' },
  VENUE_STALE: { audience: 'operator', meaning: 'An exchange stream delivered nothing within its watchdog window; the feed reconnects' },
  VENUE_REJECTED: { audience: 'operator', meaning: 'An exchange answered with an error (a refused subscription, a protocol error)' },
  BUS_ERROR: { audience: 'operator', meaning: 'The market bus could not publish, subscribe to or decode a message' },
  HISTORY_GAP: { audience: 'client', meaning: 'Final candles between the history and the live stream could not be recovered from the candle store' },
  HISTORY_STORE_ERROR: { audience: 'operator', meaning: 'The candle store could not be read or written' },
  TOKEN_STORE_ERROR: { audience: 'operator', meaning: 'The token registration store could not be read or written, or refused a request' },
  INGEST_FORBIDDEN: { audience: 'client', meaning: 'The API key is valid but lacks the ingest scope' },
  UNSUPPORTED_MEDIA_TYPE: { audience: 'client', meaning: 'The request body has a content type the endpoint does not accept' },
} as const satisfies Record<string, { readonly audience: ErrorAudience; readonly meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes API clients can receive (the README documents each). */
export function clientErrorCodes(): ErrorCode[] {
  return (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODES[code].audience === 'client');
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

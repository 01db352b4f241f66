/**
 * Every WebSocket close code `/ws/chart-live` uses, in one place. The code tells a client
 * whether reconnecting can help (the centrifuge idea of disconnect codes):
 *
 * | code | reason               | reconnect?                                               |
 * |------|----------------------|----------------------------------------------------------|
 * | 1001 | Server shutting down | yes, at once (another node or the restarted one)         |
 * | 1013 | Try again later      | yes, with backoff (key store / connection registry down, |
 * |      |                      | or this connection's slot lease expired)                 |
 * | 4008 | Slow consumer        | yes; read faster or subscribe to fewer streams           |
 * | 4401 | Authentication failure | no, not with the same key (missing, unknown, revoked,  |
 * |      |                      | or its plan inactive)                                    |
 * | 4429 | Limit exceeded       | yes, after a pause (inbound rate, connections per user,  |
 * |      |                      | or too many failed logins from this address)             |
 *
 * 4xxx codes mirror the HTTP statuses they resemble (408, 401, 429). A message larger than
 * the transport cap (`maxPayloadLength`, 64 KiB) makes uWS itself drop the TCP connection
 * without a close frame (the client sees 1006); smaller oversized messages get an error.
 */
export const CLOSE_CODES = Object.freeze({
  SERVER_SHUTDOWN: 1001,
  TRY_AGAIN_LATER: 1013,
  SLOW_CONSUMER: 4008,
  AUTH_FAILED: 4401,
  LIMIT_EXCEEDED: 4429,
} as const);

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** The close reason sent with each code (short: a close frame carries at most 123 bytes). */
export const CLOSE_REASONS: Readonly<Record<CloseCode, string>> = Object.freeze({
  1001: 'Server shutting down',
  1013: 'Try again later',
  4008: 'Slow consumer',
  4401: 'Authentication failure',
  4429: 'Limit exceeded',
});

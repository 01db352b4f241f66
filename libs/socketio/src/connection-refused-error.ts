/**
 * Why `/api-ws` refused a connection (`err.data.code` on the client). The first four are
 * registered in @mdg/model's ERROR_CODES; SERVICE_UNAVAILABLE (key store or connection
 * registry unreachable: retry later, the key itself may be fine) is specific to this adapter.
 */
export type RefusalCode = 'AUTH_FAILED' | 'AUTH_RATE_LIMITED' | 'PRO_REQUIRED' | 'CONNECTION_LIMIT' | 'SERVICE_UNAVAILABLE';

export const REFUSAL_CODES: readonly RefusalCode[] = ['AUTH_FAILED', 'AUTH_RATE_LIMITED', 'PRO_REQUIRED', 'CONNECTION_LIMIT', 'SERVICE_UNAVAILABLE'];

/**
 * The exact `connect_error` messages of PROTOCOL.md section A. A rate-limited address gets the
 * documented `Authentication failed` too (clients written for the base protocol know only
 * that one); the code tells the two apart.
 */
const MESSAGES: Readonly<Record<RefusalCode, string>> = {
  AUTH_FAILED: 'Authentication failed',
  AUTH_RATE_LIMITED: 'Authentication failed',
  PRO_REQUIRED: 'Pro subscription required',
  CONNECTION_LIMIT: 'Connection limit exceeded',
  SERVICE_UNAVAILABLE: 'Service unavailable',
};

export interface RefusalData {
  code: RefusalCode;
  /** Only with AUTH_RATE_LIMITED: when the address may try again. */
  retryAfterMs?: number;
}

/**
 * Handed to Socket.IO's `next(err)` in the namespace middleware: Socket.IO sends `message`
 * and `data` to the client as its `connect_error`.
 */
export class ConnectionRefusedError extends Error {
  readonly data: RefusalData;

  constructor(
    readonly code: RefusalCode,
    retryAfterMs?: number,
  ) {
    super(MESSAGES[code]);
    this.name = new.target.name;
    this.data = retryAfterMs === undefined ? { code } : { code, retryAfterMs };
  }
}

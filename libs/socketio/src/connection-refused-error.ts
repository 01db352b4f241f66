import type { Refusal, RefusalCode } from '@mdg/edge';

/**
 * The exact `connect_error` messages of PROTOCOL.md section A. A rate-limited address gets the
 * documented `Authentication failed` too (clients written for the base protocol know only
 * that one); `err.data.code` (AUTH_RATE_LIMITED, with `retryAfterMs`) tells the two apart.
 * SERVICE_UNAVAILABLE (key store or connection registry unreachable: retry later, the key
 * itself may be fine) is not in the base protocol.
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
  readonly code: RefusalCode;
  readonly data: RefusalData;

  constructor(refusal: Refusal) {
    super(MESSAGES[refusal.code]);
    this.name = new.target.name;
    this.code = refusal.code;
    this.data = refusal.code === 'AUTH_RATE_LIMITED' ? { code: refusal.code, retryAfterMs: refusal.retryAfterMs } : { code: refusal.code };
  }
}

import type { Refusal } from '@mdg/edge';
import { CONNECT_ERROR_MESSAGES, type RefusalCode, type RefusalData } from '@mdg/protocol';

/**
 * Handed to Socket.IO's `next(err)` in the namespace middleware: Socket.IO sends `message`
 * and `data` to the client as its `connect_error`.
 */
export class ConnectionRefusedError extends Error {
  readonly code: RefusalCode;
  readonly data: RefusalData;

  constructor(refusal: Refusal) {
    super(CONNECT_ERROR_MESSAGES[refusal.code]);
    this.name = new.target.name;
    this.code = refusal.code;
    this.data = refusal.code === 'AUTH_RATE_LIMITED' ? { code: refusal.code, retryAfterMs: refusal.retryAfterMs } : { code: refusal.code };
  }
}

import type { ErrorCode } from './error-codes';

/** Base of every typed error: a stable machine code plus a human message. */
export class MdgError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

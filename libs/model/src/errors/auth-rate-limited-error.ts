import { MdgError } from './mdg-error';

/** Too many failed authentication attempts from one address; retry after `retryAfterMs`. */
export class AuthRateLimitedError extends MdgError {
  constructor(readonly retryAfterMs: number) {
    super('AUTH_RATE_LIMITED', `Too many failed authentication attempts; retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`);
  }
}

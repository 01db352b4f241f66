import { MdgError } from './mdg-error';

/**
 * The API key is missing, malformed, unknown or revoked. The message is the exact
 * `/api-ws` refusal text; `detail` is for logs only (never echo a key in it).
 */
export class AuthFailedError extends MdgError {
  constructor(readonly detail?: string) {
    super('AUTH_FAILED', 'Authentication failed');
  }
}

import { MdgError } from './mdg-error';

/**
 * A trade or request names a token address that is not registered (and auto-tracking is off
 * or refused it). The message starts with the exact chart-live text, so both paths read alike.
 */
export class TokenNotTrackedError extends MdgError {
  constructor(
    readonly tokenAddress: string,
    /** Why it is not tracked, for logs (e.g. the auto-track limit); empty when simply unregistered. */
    readonly detail = '',
  ) {
    // The address is echoed shortened: it is untrusted input and may be arbitrarily long.
    super('TOKEN_NOT_TRACKED', `Token not found or not tracked: ${tokenAddress.slice(0, 64)}${detail ? ` (${detail})` : ''}`);
  }
}

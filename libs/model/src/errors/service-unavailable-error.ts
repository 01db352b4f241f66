import { MdgError } from './mdg-error';

/**
 * A backing service (Redis behind the bus, the key store or the connection registry) could
 * not be reached or did not answer in time. Retrying later may succeed; clients are told
 * `Service unavailable`, never the detail.
 */
export class ServiceUnavailableError extends MdgError {
  constructor(
    /** Which dependency failed, e.g. `redis`. */
    readonly service: string,
    /** What was being done and why it failed, for logs. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super('SERVICE_UNAVAILABLE', `Service unavailable: ${service}: ${detail}`, options);
  }
}

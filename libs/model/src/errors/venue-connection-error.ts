import { MdgError } from './mdg-error';

/**
 * An exchange connection could not be opened or was lost (handshake refused, socket
 * error, close by the venue). Informational for the consumer: the feed reconnects by itself.
 */
export class VenueConnectionError extends MdgError {
  constructor(
    readonly venue: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('VENUE_CONNECTION', `${venue} connection: ${reason}`, options);
  }
}

import { MdgError } from './mdg-error';

/** The exchange itself answered with an error frame (a refused subscription, a protocol error). */
export class VenueRejectedError extends MdgError {
  constructor(
    readonly venue: string,
    readonly venueMessage: string,
  ) {
    super('VENUE_REJECTED', `${venue} rejected a request: ${venueMessage}`);
  }
}

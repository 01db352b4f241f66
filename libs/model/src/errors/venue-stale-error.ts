import { MdgError } from './mdg-error';

/** An exchange stream went quiet for longer than its watchdog allows; the feed replaces the connection. */
export class VenueStaleError extends MdgError {
  constructor(
    readonly venue: string,
    readonly silentForMs: number,
  ) {
    super('VENUE_STALE', `${venue} stream silent for ${Math.round(silentForMs)} ms; reconnecting`);
  }
}

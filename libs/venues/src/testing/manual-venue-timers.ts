import { ManualScheduler } from '@mdg/model';

/** VenueTimers that only move when `advance()` is called: the model's ManualScheduler under the name the venue specs use. */
export class ManualVenueTimers extends ManualScheduler {}

import { MdgError } from './mdg-error';

/** A feed input line or frame that could not be parsed into a trade. */
export class InvalidFeedInputError extends MdgError {
  constructor(
    readonly location: string,
    reason: string,
  ) {
    super('INVALID_FEED_INPUT', `Invalid feed input at ${location}: ${reason}`);
  }
}

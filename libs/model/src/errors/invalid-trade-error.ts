import { MdgError } from './mdg-error';

/** A trade rejected at the boundary; `field` names the first offending field. */
export class InvalidTradeError extends MdgError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super('INVALID_TRADE', `Invalid trade: ${field} ${reason}`);
  }
}

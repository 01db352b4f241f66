import { MdgError } from './mdg-error';

/** A history request (`history` count or `since` time) is out of range; `field` names the offending one. */
export class InvalidHistoryError extends MdgError {
  constructor(
    readonly field: 'history' | 'since',
    reason: string,
  ) {
    super('INVALID_HISTORY', `Invalid history request: ${field} ${reason}`);
  }
}

import { MdgError } from './mdg-error';

/** A valid key of a user without an active Pro plan; the message is the exact `/api-ws` refusal text. */
export class ProRequiredError extends MdgError {
  constructor(readonly userId?: string) {
    super('PRO_REQUIRED', 'Pro subscription required');
  }
}

import { MdgError } from './mdg-error';

export class InvalidInstrumentError extends MdgError {
  constructor(reason: string) {
    super('INVALID_INSTRUMENT', `Invalid instrument: ${reason}`);
  }
}

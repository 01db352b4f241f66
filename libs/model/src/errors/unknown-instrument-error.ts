import { MdgError } from './mdg-error';

export class UnknownInstrumentError extends MdgError {
  constructor(readonly instrument: string) {
    super('UNKNOWN_INSTRUMENT', `Unknown instrument: ${instrument}`);
  }
}

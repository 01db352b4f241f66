import { MdgError } from './mdg-error';

/** Configuration rejected before anything starts; lists every problem at once. */
export class InvalidConfigError extends MdgError {
  constructor(readonly problems: readonly string[]) {
    super('INVALID_CONFIG', `Invalid configuration: ${problems.join('; ')}`);
  }
}

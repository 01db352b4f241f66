import { MdgError } from './mdg-error';

/** The user already holds `limit` live connections; the message is the exact `/api-ws` refusal text. */
export class ConnectionLimitError extends MdgError {
  constructor(
    readonly userId: string,
    readonly limit: number,
  ) {
    super('CONNECTION_LIMIT', 'Connection limit exceeded');
  }
}

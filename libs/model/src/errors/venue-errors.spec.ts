import { isErrorCode } from './error-codes';
import { MdgError } from './mdg-error';
import { VenueConnectionError } from './venue-connection-error';
import { VenueRejectedError } from './venue-rejected-error';
import { VenueStaleError } from './venue-stale-error';

describe('venue errors', () => {
  it('carry registered codes, the venue and a readable message', () => {
    const cause = new Error('ECONNREFUSED');
    const errors = [
      new VenueConnectionError('binance', 'handshake refused', { cause }),
      new VenueStaleError('coinbase', 10_400.4),
      new VenueRejectedError('binance', 'Invalid request'),
    ];
    expect(errors.map((error) => error.code)).toEqual(['VENUE_CONNECTION', 'VENUE_STALE', 'VENUE_REJECTED']);
    for (const error of errors) {
      expect(error).toBeInstanceOf(MdgError);
      expect(isErrorCode(error.code)).toBe(true);
      expect(error.name).toBe(error.constructor.name);
    }
    expect(errors[0]!.message).toBe('binance connection: handshake refused');
    expect(errors[0]!.cause).toBe(cause);
    expect(errors[1]!.message).toBe('coinbase stream silent for 10400 ms; reconnecting');
    expect(errors[2]!.message).toBe('binance rejected a request: Invalid request');
  });
});

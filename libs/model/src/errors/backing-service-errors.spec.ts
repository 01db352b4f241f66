import { ERROR_CODES } from './error-codes';
import { MarketBusError } from './market-bus-error';
import { MdgError } from './mdg-error';
import { ServiceUnavailableError } from './service-unavailable-error';

describe('backing service errors', () => {
  it('ServiceUnavailableError names the service and keeps the detail and cause', () => {
    const cause = new Error('connect ECONNREFUSED');
    const error = new ServiceUnavailableError('redis', 'acquiring a slot failed', { cause });
    expect(error).toBeInstanceOf(MdgError);
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toBe('Service unavailable: redis: acquiring a slot failed');
    expect([error.service, error.detail, error.cause]).toEqual(['redis', 'acquiring a slot failed', cause]);
  });

  it('MarketBusError carries a registered code, its reason and the stream', () => {
    const error = new MarketBusError('decode', 'not JSON', 'price:BTC');
    expect(Object.keys(ERROR_CODES)).toContain(error.code);
    expect(error.code).toBe('BUS_ERROR');
    expect(error.reason).toBe('decode');
    expect(error.stream).toBe('price:BTC');
    expect(error.message).toBe('Market bus error (decode on price:BTC): not JSON');
    expect(new MarketBusError('connection', 'ECONNRESET').message).toBe('Market bus error (connection): ECONNRESET');
  });
});

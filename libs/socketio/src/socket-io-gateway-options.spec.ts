import { InvalidConfigError } from '@mdg/model';
import { resolveSocketIoGatewayOptions } from './socket-io-gateway-options';

describe('resolveSocketIoGatewayOptions', () => {
  it('documents its defaults and freezes the result', () => {
    const options = resolveSocketIoGatewayOptions();
    expect(options).toMatchObject({
      namespace: '/api-ws',
      path: '/socket.io/',
      serveClient: true,
      maxConnectionsPerPlan: { free: 2, pro: 2 },
      connectionPool: 'api-ws',
      maxBackpressureBytes: 4 * 1024 * 1024,
      hardBackpressureBytes: 1024 * 1024,
      slowCheckIntervalMs: 250,
      maxSymbolsPerMessage: 100,
      maxInboundMessageBytes: 16 * 1024,
      inboundMessagesPerSecond: 20,
      inboundStrikesToClose: 3,
      pingIntervalMs: 10_000,
      pingTimeoutMs: 5_000,
      connectTimeoutMs: 10_000,
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('lists every problem at once', () => {
    let caught: unknown;
    try {
      resolveSocketIoGatewayOptions({
        maxConnectionsPerPlan: { free: 2, pro: -1 },
        maxBackpressureBytes: 1000,
        hardBackpressureBytes: 1000,
        namespace: 'api-ws',
        maxSymbolsPerMessage: 1.5,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidConfigError);
    expect((caught as InvalidConfigError).problems).toEqual([
      'maxConnectionsPerPlan.pro must be an integer ≥ 0, got -1',
      'maxSymbolsPerMessage must be a positive integer, got 1.5',
      'hardBackpressureBytes (1000) must be below maxBackpressureBytes (1000): uWS stops buffering at maxBackpressure',
      'namespace must look like /api-ws, got "api-ws"',
    ]);
  });
});

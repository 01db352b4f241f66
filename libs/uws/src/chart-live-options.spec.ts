import { InvalidConfigError, ManualClock } from '@mdg/model';
import { CHART_LIVE_DEFAULTS, resolveChartLiveOptions } from './chart-live-options';

describe('resolveChartLiveOptions', () => {
  it('documents its defaults and freezes the result', () => {
    const options = resolveChartLiveOptions();
    expect(options).toMatchObject({
      path: '/ws/chart-live',
      connectionPool: 'chart-live',
      maxConnectionsPerPlan: { free: 5, pro: 5 },
      inboundMessagesPerSecond: 10,
      inboundStrikesToClose: 3,
      maxSubscriptions: 50,
      maxMessageBytes: 4096,
      maxPayloadLength: 65536,
      softBackpressureBytes: 262144,
      hardBackpressureBytes: 4194304,
      slowConsumerTimeoutMs: 10000,
      slowCheckIntervalMs: 250,
      finalsKeptPerStream: 32,
      idleTimeoutSeconds: 120,
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(options.maxConnectionsPerPlan)).toBe(true);
    expect(Object.isFrozen(CHART_LIVE_DEFAULTS)).toBe(true);
  });

  it('applies overrides and ignores undefined ones', () => {
    const clock = new ManualClock(5);
    const options = resolveChartLiveOptions({ maxSubscriptions: 3, clock, maxMessageBytes: undefined, maxConnectionsPerPlan: { free: 1, pro: 9 } });
    expect(options.maxSubscriptions).toBe(3);
    expect(options.maxMessageBytes).toBe(4096);
    expect(options.clock).toBe(clock);
    expect(options.maxConnectionsPerPlan).toEqual({ free: 1, pro: 9 });
  });

  it('reports every problem at once', () => {
    let thrown: unknown;
    try {
      resolveChartLiveOptions({
        path: 'ws',
        inboundMessagesPerSecond: 0,
        maxMessageBytes: 100_000,
        softBackpressureBytes: 10,
        hardBackpressureBytes: 10,
        idleTimeoutSeconds: 5,
        maxConnectionsPerPlan: { free: -1, pro: 1.5 },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidConfigError);
    const problems = (thrown as InvalidConfigError).problems;
    expect(problems).toHaveLength(7);
    expect((thrown as InvalidConfigError).code).toBe('INVALID_CONFIG');
  });

  it('accepts the idle timeouts uWS accepts (0, or 8..960) and nothing else', () => {
    for (const idleTimeoutSeconds of [0, 8, 120, 960]) expect(resolveChartLiveOptions({ idleTimeoutSeconds }).idleTimeoutSeconds).toBe(idleTimeoutSeconds);
    for (const idleTimeoutSeconds of [1, 7, 961, 10.5, -1]) expect(() => resolveChartLiveOptions({ idleTimeoutSeconds })).toThrow(InvalidConfigError);
  });
});
